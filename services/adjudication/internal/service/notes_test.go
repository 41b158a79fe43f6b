package service_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"claims.local/pkg/auth"
	"claims.local/pkg/postgres/pgtest"
)

type notesAnswer struct {
	Notes []struct {
		ID     string `json:"id"`
		Author string `json:"author"`
		Text   string `json:"text"`
	} `json:"notes"`
}

// Issue 20: a diary per case; readers see it, workers write in it, and
// nothing written is edited or deleted.
func TestCaseNotesAreAppendOnlyWrittenByWorkersAndReadByReaders(t *testing.T) {
	t.Parallel()
	r, path := startWithCase(t)
	handler := r.as(t, "handler-1", auth.Handler)
	senior := r.as(t, "senior-1", auth.SeniorHandler)

	// Bad input says which field and stores nothing.
	bad := handler.Do(t, http.MethodPost, path+"/notes", `{"text":"   "}`)
	want(t, bad, http.StatusBadRequest, nil)
	assert.Contains(t, string(bad.Body), `"field":"text"`)
	want(t, handler.Do(t, http.MethodPost, "/v1/cases/no-such-claim/notes", `{"text":"x"}`), http.StatusNotFound, nil)
	want(t, handler.Do(t, http.MethodGet, "/v1/cases/no-such-claim/notes", ""), http.StatusNotFound, nil)
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM case_notes`))

	want(t, handler.Do(t, http.MethodPost, path+"/notes", `{"text":"已电话联系被保险人，周三补交发票。"}`), http.StatusCreated, nil)
	want(t, senior.Do(t, http.MethodPost, path+"/notes", `{"text":"同意按一般案件处理。","author":"handler-1"}`), http.StatusBadRequest, nil)
	want(t, senior.Do(t, http.MethodPost, path+"/notes", `{"text":"同意按一般案件处理。"}`), http.StatusCreated, nil)

	for _, role := range []auth.Role{auth.CatastropheCoordinator, auth.Auditor, auth.Admin} {
		var got notesAnswer
		want(t, r.as(t, "reader", role).Do(t, http.MethodGet, path+"/notes", ""), http.StatusOK, &got)
		require.Len(t, got.Notes, 2, "as %s", role)
		assert.Equal(t, "handler-1", got.Notes[0].Author)
		assert.Equal(t, "已电话联系被保险人，周三补交发票。", got.Notes[0].Text)
		assert.Equal(t, "senior-1", got.Notes[1].Author)
	}

	// The table itself refuses an edit or a deletion.
	db := pgtest.Open(t, r.dsn, 1)
	assert.Error(t, db.Exec(`UPDATE case_notes SET text = 'changed'`).Error)
	assert.Error(t, db.Exec(`DELETE FROM case_notes`).Error)
	assert.Error(t, db.Exec(`TRUNCATE case_notes`).Error, "TRUNCATE skips row triggers; a statement trigger refuses it")
	assert.Equal(t, int64(1), r.count(t, `SELECT count(*) FROM case_notes WHERE text = '同意按一般案件处理。'`))
}

// ATTACK: a reader (auditor, catastrophe coordinator, finance) cannot write
// in a diary, and nobody can edit or delete a note through the API.
func TestAttackReadersCannotWriteCaseNotesAndNotesCannotBeEdited(t *testing.T) {
	t.Parallel()
	r, path := startWithCase(t)
	for _, role := range []auth.Role{auth.Auditor, auth.CatastropheCoordinator, auth.Admin} {
		want(t, r.as(t, "reader", role).Do(t, http.MethodPost, path+"/notes", `{"text":"x"}`), http.StatusForbidden, nil)
	}
	want(t, r.as(t, "finance-1", auth.Finance).Do(t, http.MethodGet, path+"/notes", ""), http.StatusForbidden, nil)
	var got notesAnswer
	handler := r.as(t, "handler-1", auth.Handler)
	want(t, handler.Do(t, http.MethodPost, path+"/notes", `{"text":"原话"}`), http.StatusCreated, nil)
	want(t, handler.Do(t, http.MethodGet, path+"/notes", ""), http.StatusOK, &got)
	require.Len(t, got.Notes, 1)
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete} {
		a := handler.Do(t, m, path+"/notes", `{"text":"改过"}`)
		assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed}, a.Status, "%s", m)
	}
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM case_notes WHERE text <> '原话'`))
	assert.Equal(t, int64(0), r.count(t, `SELECT count(*) FROM case_notes WHERE author <> 'handler-1'`))
}
