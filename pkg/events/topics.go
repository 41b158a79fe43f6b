package events

// TopicSpec is a topic with the partitions the design gives it. Six
// partitions let up to six instances of a consuming service share the work;
// all of a claim's events go to one partition because the key is the claim id.
type TopicSpec struct {
	Name       string
	Partitions int
	// Compacted topics keep the last message of each key forever
	// (cleanup.policy=compact): the current state of every key can be read
	// from the beginning.
	Compacted bool
}

// Topics names the topics of one deployment. Prefix is empty in production;
// tests set a unique prefix so that they never read each other's events.
type Topics struct {
	Prefix string
}

// Intake carries incident reports and claim requests.
func (t Topics) Intake() string { return t.Prefix + "claims.intake.v1" }

// Adjudication carries decisions.
func (t Topics) Adjudication() string { return t.Prefix + "claims.adjudication.v1" }

// Payout carries the finance events: the public contract with finance.
func (t Topics) Payout() string { return t.Prefix + "claims.payout.v1" }

// Deadlines carries the deadline alarms (at risk, breached) and moves of
// every service, so that one escalation consumer or console reads them all.
func (t Topics) Deadlines() string { return t.Prefix + "claims.deadlines.v1" }

// Calendar carries working-day calendar updates. It has one partition so
// that every service sees the updates in the order they were submitted.
func (t Topics) Calendar() string { return t.Prefix + "claims.calendar.v1" }

// Notifications carries the notices payout asks the SMS or mail gateway to
// send (R9 result notices, R10 notices to a person an agent collected for).
func (t Topics) Notifications() string { return t.Prefix + "claims.notifications.v1" }

// Catastrophes carries the state of every declared catastrophe, keyed by
// its code, compacted: a service that starts reads it from the beginning and
// knows every active catastrophe before it takes traffic (R8).
func (t Topics) Catastrophes() string { return t.Prefix + "claims.catastrophes.v1" }

// All lists every topic with its partitions.
func (t Topics) All() []TopicSpec {
	return []TopicSpec{
		{Name: t.Intake(), Partitions: 6},
		{Name: t.Adjudication(), Partitions: 6},
		{Name: t.Payout(), Partitions: 6},
		{Name: t.Deadlines(), Partitions: 6},
		{Name: t.Calendar(), Partitions: 1},
		{Name: t.Notifications(), Partitions: 6},
		{Name: t.Catastrophes(), Partitions: 1, Compacted: true},
	}
}

// Outgoing is an event bound for a topic, as a use case hands it to its
// repository to be stored in the outbox with the state change.
type Outgoing struct {
	Topic    string
	Envelope Envelope
}
