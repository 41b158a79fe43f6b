package postgres

import "github.com/jackc/pgx/v5"

// PlannedEachTime returns the arguments of a gorm Raw statement that
// PostgreSQL is to plan each time it runs, with its arguments and for the
// tables as they are, rather than from a plan the connection keeps.
//
// pgx prepares and caches every statement per connection, and after five
// runs PostgreSQL keeps a generic plan for it until its tables' statistics
// change. For a read whose best plan depends on a table's size, the plan
// made while the table was nearly empty (a scan of its few pages) is then
// kept while the table grows, and every run reads all of it (issue 21's
// surge, which starts on tables that grow by tens of thousands of rows a
// minute). Planning each run costs a little CPU and no round trip.
//
// The statement numbers its placeholders ($1, $2, ...) in the order of
// args and has no ? placeholder: gorm appends values it has no ? for to the
// statement's arguments without writing anything, and pgx takes a leading
// pgx.QueryExecMode as how to run the statement (here as an unnamed
// statement, planned at each run), not as an argument.
func PlannedEachTime(args ...any) []any {
	return append([]any{pgx.QueryExecModeExec}, args...)
}
