package postgres_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rawTransactions returns, as "file:line call", each transaction the Go
// source src opens itself with gorm (a call of a method named Transaction
// or Begin on anything but the package postgres): a transaction so opened
// is not run again when PostgreSQL picks it as a deadlock's victim or
// fails it on a serialization conflict; postgres.Transaction does that.
func rawTransactions(fset *token.FileSet, name string, src any) ([]string, error) {
	file, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "Transaction" && sel.Sel.Name != "Begin") {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "postgres" {
			return true
		}
		out = append(out, fset.Position(call.Pos()).String()+" ."+sel.Sel.Name)
		return true
	})
	return out, nil
}

// rawTransactionsAllowed are the files that may open a transaction with
// gorm, and why: the helper itself, and transactions that are read-only
// (ReadOnly, Snapshot: they take no row locks, so no deadlock picks them,
// and at REPEATABLE READ a read-only one has no serialization failure).
var rawTransactionsAllowed = map[string]string{
	"pkg/postgres/batch.go":    "postgres.Transaction and the batch's transaction: the retrying helper itself",
	"pkg/postgres/postgres.go": "ReadOnly and Snapshot: read-only transactions",
}

// TestRawTransactionsAreFoundInSource: the check below finds what it
// looks for (a check that cannot fail proves nothing).
func TestRawTransactionsAreFoundInSource(t *testing.T) {
	const src = `package x
func a(ctx context.Context, db *gorm.DB) error {
	if err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return nil }); err != nil {
		return err
	}
	tx := db.Begin()
	defer tx.Rollback()
	_ = db.Transaction(fn, &sql.TxOptions{})
	return postgres.Transaction(ctx, db, func(tx *gorm.DB) error { return nil })
}`
	got, err := rawTransactions(token.NewFileSet(), "x.go", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"x.go:3:12 .Transaction", "x.go:6:8 .Begin", "x.go:8:6 .Transaction"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestEveryTransactionOfTheServicesIsRetriedOnADeadlock: no code of the
// services, of pkg or of the console (tests aside) opens a transaction with gorm's
// Transaction or Begin outside the retrying helper, so that a transaction
// PostgreSQL picks as a deadlock's victim is run again rather than answered
// 500 (the rules' versions, a sampled decision's review, the employee
// registry, payout's reveals and reseals, the bank simulator and the
// outbox relay and the console's sign-in did until branch s12m).
func TestEveryTransactionOfTheServicesIsRetriedOnADeadlock(t *testing.T) {
	root, sources := repositoryFiles(t, func(rel string) bool {
		// Helpers of tests only (package servicekittest) are not the
		// services' transactions.
		return strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") && !strings.Contains(rel, "test/")
	})
	fset := token.NewFileSet()
	var found []string
	files := len(sources)
	for _, rel := range sources {
		if _, ok := rawTransactionsAllowed[rel]; ok {
			continue
		}
		raw, err := rawTransactions(fset, filepath.Join(root, rel), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range raw {
			found = append(found, strings.TrimPrefix(r, root+string(filepath.Separator)))
		}
	}
	if files < 100 {
		t.Fatalf("got %d source files under services, pkg and console from %s, want the repository's (more than 100)", files, root)
	}
	if len(found) > 0 {
		t.Errorf("got transactions opened with gorm outside postgres.Transaction (not run again on a deadlock):\n%s\nwant none: use postgres.Transaction (postgres.ReadOnly for a read-only one)", strings.Join(found, "\n"))
	}
}

// repositoryFiles returns the repository's root and the paths, relative to
// it with slashes, of the files under services, pkg and console that keep
// (given such a path) selects; dependencies, test data and hidden
// directories are passed over.
func repositoryFiles(t *testing.T, keep func(rel string) bool) (string, []string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, dir := range []string{"services", "pkg", "console"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); n == "node_modules" || n == "testdata" || strings.HasPrefix(n, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			if rel = filepath.ToSlash(rel); keep(rel) {
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return root, out
}
