package service_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"claims.local/intake/internal/adapters"
	"claims.local/intake/internal/service"
	"claims.local/pkg/httpapi/apitest"
	"claims.local/pkg/sealed"
)

// Issue 17: a running intake seals stored documents under an old data key
// again with the current one, at start and then every
// INTAKE_RESEAL_INTERVAL, counting them in a metric; afterwards the old
// key may be dropped and every document still opens.
func TestStoredDocumentsAreResealedOnSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	storage := t.TempDir()
	oldKey := sealed.Key{ID: "old-2026", Secret: bytes.Repeat([]byte{5}, sealed.KeyBytes)}
	newKey := sealed.Key{ID: "new-2027", Secret: bytes.Repeat([]byte{6}, sealed.KeyBytes)}
	ring := func(keys ...sealed.Key) *adapters.LocalFiles {
		t.Helper()
		k, err := sealed.New(keys)
		if err != nil {
			t.Fatal(err)
		}
		f, err := adapters.NewLocalFiles(storage, k)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	keyOf := func(sum string) string {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(storage, "sha256", sum[:2], sum[2:4], sum))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := sealed.KeyID(raw)
		return id
	}
	beforeRotation := ring(oldKey)
	first := []byte("公民身份号码 110105198506150014")
	sum1, err := beforeRotation.Put(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if got := keyOf(sum1); got != oldKey.ID {
		t.Fatalf("got the file sealed under %q, want %q before the rotation", got, oldKey.ID)
	}

	r := startWith(t, func(c *service.Config) {
		c.StorageDir, c.DataKeys, c.ResealInterval = storage, []sealed.Key{newKey, oldKey}, 200*time.Millisecond
	})
	apitest.Eventually(t, 30*time.Second, "the file resealed at start", func() bool { return keyOf(sum1) == newKey.ID })
	// A file written under the old key later (an instance not yet
	// rotated) is moved by a later round, not only the first.
	second := []byte("银行卡号 6222021234567890123")
	sum2, err := beforeRotation.Put(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 30*time.Second, "the later file resealed by a scheduled round", func() bool { return keyOf(sum2) == newKey.ID })
	apitest.Eventually(t, 10*time.Second, "the resealed files counted", func() bool {
		m := r.Do(t, http.MethodGet, "/metrics", "")
		return strings.Contains(string(m.Body), "intake_documents_resealed_total 2")
	})

	onlyNew := ring(newKey)
	for sum, want := range map[string][]byte{sum1: first, sum2: second} {
		if got, err := onlyNew.Get(ctx, sum); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %q, %v with the old key dropped, want %q", got, err, want)
		}
	}
}
