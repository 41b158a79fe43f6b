package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"claims.local/adjudication/internal/app"
	"claims.local/adjudication/internal/assessmentdata"
	"claims.local/adjudication/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/postgres"
)

// Straight is the PostgreSQL implementation of app.StraightThrough
// (issue 19).
type Straight struct {
	db *gorm.DB
}

// NewStraight returns the repository of the straight-through path.
func NewStraight(db *gorm.DB) *Straight { return &Straight{db: db} }

// rulesJSON is the stored form of a version of a product's rules.
type rulesJSON struct {
	Benefit              string `json:"benefit"`
	DeductibleFen        int64  `json:"deductible_fen"`
	DeductibleClause     string `json:"deductible_clause"`
	RatioWithSocialBP    int    `json:"ratio_with_social_bp"`
	RatioWithoutSocialBP int    `json:"ratio_without_social_bp"`
	RatioClause          string `json:"ratio_clause"`
	PaysSelfFunded       bool   `json:"pays_self_funded"`
	SelfFundedClause     string `json:"self_funded_clause"`
	PerClaimLimitFen     int64  `json:"per_claim_limit_fen"`
	AnnualLimitFen       int64  `json:"annual_limit_fen"`
	LimitClause          string `json:"limit_clause"`
	Agreement            string `json:"agreement"`
}

type rulesRow struct {
	ProductCode string
	Version     int
	Data        []byte
	CreatedAt   time.Time
	CreatedBy   string
}

func (rulesRow) TableName() string { return "product_rules" }

func (r rulesRow) toDomain() (domain.ProductRules, error) {
	var j rulesJSON
	if err := json.Unmarshal(r.Data, &j); err != nil {
		return domain.ProductRules{}, fmt.Errorf("rules %s/v%d: %w", r.ProductCode, r.Version, err)
	}
	return domain.ProductRules{ProductCode: r.ProductCode, Version: r.Version, Benefit: j.Benefit, DeductibleFen: j.DeductibleFen,
		DeductibleClause: j.DeductibleClause, RatioWithSocialBP: j.RatioWithSocialBP, RatioWithoutSocialBP: j.RatioWithoutSocialBP,
		RatioClause: j.RatioClause, PaysSelfFunded: j.PaysSelfFunded, SelfFundedClause: j.SelfFundedClause, PerClaimLimitFen: j.PerClaimLimitFen,
		AnnualLimitFen: j.AnnualLimitFen, LimitClause: j.LimitClause, Agreement: j.Agreement, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}, nil
}

// PutRules stores r as the next version of its product's rules. Two
// writers of the same product are kept apart by a transaction-scoped
// advisory lock on the product's code.
func (s *Straight) PutRules(ctx context.Context, r domain.ProductRules) (domain.ProductRules, error) {
	data, err := json.Marshal(rulesJSON{Benefit: r.Benefit, DeductibleFen: r.DeductibleFen, DeductibleClause: r.DeductibleClause,
		RatioWithSocialBP: r.RatioWithSocialBP, RatioWithoutSocialBP: r.RatioWithoutSocialBP, RatioClause: r.RatioClause,
		PaysSelfFunded: r.PaysSelfFunded, SelfFundedClause: r.SelfFundedClause, PerClaimLimitFen: r.PerClaimLimitFen,
		AnnualLimitFen: r.AnnualLimitFen, LimitClause: r.LimitClause, Agreement: r.Agreement})
	if err != nil {
		return domain.ProductRules{}, err
	}
	err = postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('product_rules:' || ?))`, r.ProductCode).Error; err != nil {
			return fmt.Errorf("lock product rules: %w", err)
		}
		if err := tx.Raw(`SELECT coalesce(max(version), 0) + 1 FROM product_rules WHERE product_code = ?`, r.ProductCode).Scan(&r.Version).Error; err != nil {
			return fmt.Errorf("next rules version: %w", err)
		}
		return tx.Create(&rulesRow{ProductCode: r.ProductCode, Version: r.Version, Data: data, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}).Error
	})
	if err != nil {
		return domain.ProductRules{}, fmt.Errorf("store product rules: %w", err)
	}
	return r, nil
}

// Rules returns a version of a product's rules, the latest for 0.
func (s *Straight) Rules(ctx context.Context, productCode string, version int) (domain.ProductRules, error) {
	q := s.db.WithContext(ctx).Where("product_code = ?", productCode)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	var row rulesRow
	err := q.Order("version DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.ProductRules{}, apperr.New(apperr.NotFound, "product %s has no rules for straight-through adjudication", productCode)
	}
	if err != nil {
		return domain.ProductRules{}, fmt.Errorf("load product rules: %w", err)
	}
	return row.toDomain()
}

// ListRules returns every version of a product's rules, oldest first.
func (s *Straight) ListRules(ctx context.Context, productCode string) ([]domain.ProductRules, error) {
	var rows []rulesRow
	if err := s.db.WithContext(ctx).Where("product_code = ?", productCode).Order("version").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list product rules: %w", err)
	}
	out := make([]domain.ProductRules, 0, len(rows))
	for _, row := range rows {
		r, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// assessmentRow is a stored assessment; its JSON columns use the types
// below.
type assessmentRow struct {
	ClaimID       string `gorm:"primaryKey"`
	PolicyNumber  string
	ProductCode   string
	RulesVersion  int
	Automatic     bool
	Reasons       []byte
	Computation   []byte
	Documents     []byte
	DeductibleFen int64
	AssessedAt    time.Time
}

func (assessmentRow) TableName() string { return "auto_assessments" }

type splitJSON struct {
	FundPaidFen        int64 `json:"fund_paid_fen"`
	PersonalAccountFen int64 `json:"personal_account_fen"`
	SelfPayFen         int64 `json:"self_pay_fen"`
	SelfFundedFen      int64 `json:"self_funded_fen"`
}

type sourceJSON struct {
	Page       int     `json:"page"`
	Box        [4]int  `json:"box"`
	Confidence float64 `json:"confidence"`
}

// fieldsJSON keeps the fields an assessment read; the account number is
// not among them (only its fingerprint).
type fieldsJSON struct {
	DocumentID         string                `json:"document_id"`
	Type               string                `json:"type"`
	InvoiceCode        string                `json:"invoice_code,omitempty"`
	InvoiceNumber      string                `json:"invoice_number,omitempty"`
	TotalAmountFen     int64                 `json:"total_amount_fen,omitempty"`
	EventDate          string                `json:"event_date,omitempty"`
	AdmissionDate      string                `json:"admission_date,omitempty"`
	DischargeDate      string                `json:"discharge_date,omitempty"`
	PatientName        string                `json:"patient_name,omitempty"`
	VisitNumber        string                `json:"visit_number,omitempty"`
	VisitKind          string                `json:"visit_kind,omitempty"`
	Institution        string                `json:"institution,omitempty"`
	HolderName         string                `json:"holder_name,omitempty"`
	AccountFingerprint string                `json:"account_fingerprint,omitempty"`
	Insurance          *splitJSON            `json:"insurance,omitempty"`
	IDNumberValid      bool                  `json:"id_number_valid,omitempty"`
	Confidence         float64               `json:"confidence"`
	Sources            map[string]sourceJSON `json:"sources,omitempty"`
	Corrected          []string              `json:"corrected,omitempty"`
	CorrectedBy        []string              `json:"corrected_by,omitempty"`
	Corroborated       []string              `json:"corroborated,omitempty"`
	IDNumberMasked     string                `json:"id_number_masked,omitempty"`
	EnteredBy          string                `json:"entered_by,omitempty"`
	EnteredVia         string                `json:"entered_via,omitempty"`
	DisputedNames      []disputedNameJSON    `json:"disputed_names,omitempty"`
	// Corroborations are the assessment's corroborations of this
	// document's fields.
	Corroborations []corroborationJSON `json:"corroborations,omitempty"`
}

// disputedNameJSON keeps a name two recognisers read as two names
// (domain.DisputedName).
type disputedNameJSON struct {
	Field           string  `json:"field"`
	First           string  `json:"first"`
	FirstConfidence float64 `json:"first_confidence"`
	Again           string  `json:"again"`
	AgainConfidence float64 `json:"again_confidence"`
}

type corroborationJSON struct {
	Field      string  `json:"field"`
	Confidence float64 `json:"confidence"`
	By         string  `json:"by"`
	Other      string  `json:"other_document_id,omitempty"`
}

// SaveAssessment stores a claim's assessment; the first one stays.
func (s *Straight) SaveAssessment(ctx context.Context, a app.StoredAssessment) error {
	return storeAssessment(s.db.WithContext(ctx), a)
}

// storeAssessment stores a claim's assessment through db (a transaction:
// Cases.UpdateAssessing); the first one stays.
func storeAssessment(db *gorm.DB, a app.StoredAssessment) error {
	reasons, err := json.Marshal(assessmentdata.FromReasons(a.Reasons))
	if err != nil {
		return err
	}
	row := assessmentRow{ClaimID: a.ClaimID, PolicyNumber: a.PolicyNumber, ProductCode: a.ProductCode, RulesVersion: a.RulesVersion,
		Automatic: a.Automatic, Reasons: reasons, AssessedAt: a.AssessedAt}
	if c := a.Computation; c != nil {
		if row.Computation, err = json.Marshal(assessmentdata.FromComputation(c)); err != nil {
			return err
		}
		row.DeductibleFen = c.DeductibleAppliedFen
	}
	docs := make([]fieldsJSON, len(a.Documents))
	for i, d := range a.Documents {
		docs[i] = fieldsJSON{DocumentID: d.DocumentID, Type: d.Type, InvoiceCode: d.InvoiceCode, InvoiceNumber: d.InvoiceNumber,
			TotalAmountFen: d.TotalAmountFen, EventDate: d.EventDate, AdmissionDate: d.AdmissionDate, DischargeDate: d.DischargeDate,
			PatientName: d.PatientName, VisitNumber: d.VisitNumber, VisitKind: d.VisitKind, Institution: d.Institution, HolderName: d.HolderName, AccountFingerprint: d.AccountFingerprint,
			IDNumberValid: d.IDNumberValid, Confidence: d.Confidence, Corrected: d.Corrected, CorrectedBy: d.CorrectedBy, Corroborated: d.Corroborated,
			IDNumberMasked: d.IDNumberMasked, EnteredBy: d.EnteredBy, EnteredVia: d.EnteredVia}
		if d.Insurance != nil {
			sp := splitJSON(*d.Insurance)
			docs[i].Insurance = &sp
		}
		for _, n := range d.DisputedNames {
			docs[i].DisputedNames = append(docs[i].DisputedNames, disputedNameJSON(n))
		}
		if len(d.Sources) > 0 {
			docs[i].Sources = map[string]sourceJSON{}
			for k, v := range d.Sources {
				docs[i].Sources[k] = sourceJSON(v)
			}
		}
	}
	for _, c := range a.Corroborations {
		if c.Doc >= 0 && c.Doc < len(docs) {
			docs[c.Doc].Corroborations = append(docs[c.Doc].Corroborations, corroborationJSON{Field: c.Field, Confidence: c.Confidence, By: c.By, Other: c.Other})
		}
	}
	if row.Documents, err = json.Marshal(docs); err != nil {
		return err
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("store assessment: %w", err)
	}
	return nil
}

// Assessment returns the stored assessment of a claim.
func (s *Straight) Assessment(ctx context.Context, claimID string) (app.StoredAssessment, error) {
	var row assessmentRow
	err := s.db.WithContext(ctx).Where("claim_id = ?", claimID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return app.StoredAssessment{}, apperr.New(apperr.NotFound, "claim %s has no straight-through assessment", claimID)
	}
	if err != nil {
		return app.StoredAssessment{}, fmt.Errorf("load assessment: %w", err)
	}
	return row.toApp()
}

// toApp is the assessment a row keeps.
func (row assessmentRow) toApp() (app.StoredAssessment, error) {
	claimID := row.ClaimID
	out := app.StoredAssessment{PolicyNumber: row.PolicyNumber, ProductCode: row.ProductCode, Assessment: domain.Assessment{ClaimID: row.ClaimID,
		RulesVersion: row.RulesVersion, Automatic: row.Automatic, AssessedAt: row.AssessedAt.UTC()}}
	var reasons []assessmentdata.Reason
	if err := json.Unmarshal(row.Reasons, &reasons); err != nil {
		return app.StoredAssessment{}, fmt.Errorf("assessment of %s: %w", claimID, err)
	}
	out.Reasons = assessmentdata.ToReasons(reasons)
	if len(row.Computation) > 0 {
		var j assessmentdata.Computation
		if err := json.Unmarshal(row.Computation, &j); err != nil {
			return app.StoredAssessment{}, fmt.Errorf("assessment of %s: %w", claimID, err)
		}
		out.Computation = j.ToDomain()
	}
	var docs []fieldsJSON
	if err := json.Unmarshal(row.Documents, &docs); err != nil {
		return app.StoredAssessment{}, fmt.Errorf("assessment of %s: %w", claimID, err)
	}
	for i, d := range docs {
		for _, c := range d.Corroborations {
			out.Corroborations = append(out.Corroborations, domain.Corroboration{Doc: i, DocumentID: d.DocumentID, Field: c.Field,
				Confidence: c.Confidence, By: c.By, Other: c.Other})
		}
		f := domain.DocumentFields{DocumentID: d.DocumentID, Type: d.Type, InvoiceCode: d.InvoiceCode, InvoiceNumber: d.InvoiceNumber,
			TotalAmountFen: d.TotalAmountFen, EventDate: d.EventDate, AdmissionDate: d.AdmissionDate, DischargeDate: d.DischargeDate,
			PatientName: d.PatientName, VisitNumber: d.VisitNumber, VisitKind: d.VisitKind, Institution: d.Institution, HolderName: d.HolderName, AccountFingerprint: d.AccountFingerprint,
			IDNumberValid: d.IDNumberValid, Confidence: d.Confidence, Corrected: d.Corrected, CorrectedBy: d.CorrectedBy, Corroborated: d.Corroborated,
			IDNumberMasked: d.IDNumberMasked, EnteredBy: d.EnteredBy, EnteredVia: d.EnteredVia}
		if d.Insurance != nil {
			sp := domain.InsuranceSplit(*d.Insurance)
			f.Insurance = &sp
		}
		for _, n := range d.DisputedNames {
			f.DisputedNames = append(f.DisputedNames, domain.DisputedName(n))
		}
		for k, v := range d.Sources {
			if f.Sources == nil {
				f.Sources = map[string]domain.FieldSource{}
			}
			f.Sources[k] = domain.FieldSource(v)
		}
		out.Documents = append(out.Documents, f)
	}
	return out, nil
}

// UsedDeductible sums the deductible the decisions on the policy's other
// claims applied, of the claims decided and not rejected: the deductible
// a decision's computed amount applied, or, for a decision stored before
// it was kept (NULL), the one its claim's assessment applied.
func (s *Straight) UsedDeductible(ctx context.Context, policyNumber, claimID string) (int64, error) {
	var sum int64
	err := s.db.WithContext(ctx).Raw(`SELECT coalesce(sum(coalesce(d.deductible_fen, a.deductible_fen)), 0) FROM auto_assessments a
		JOIN cases c ON c.claim_id = a.claim_id JOIN decisions d ON d.case_id = c.id
		WHERE a.policy_number = ? AND a.claim_id <> ? AND d.outcome <> 'reject'`, policyNumber, claimID).Scan(&sum).Error
	if err != nil {
		return 0, fmt.Errorf("deductible used: %w", err)
	}
	return sum, nil
}

type reviewRow struct {
	ClaimID    string `gorm:"primaryKey"`
	Reason     string
	AmountFen  int64
	DecidedBy  string
	SampledAt  time.Time
	Outcome    string
	Note       string
	ReviewedBy string
	ReviewedAt *time.Time
}

func (reviewRow) TableName() string { return "auto_reviews" }

func (r reviewRow) toDomain() domain.AutoReview {
	out := domain.AutoReview(r)
	out.SampledAt = r.SampledAt.UTC()
	if r.ReviewedAt != nil {
		at := r.ReviewedAt.UTC()
		out.ReviewedAt = &at
	}
	return out
}

// Reviews lists the sampled decisions, oldest first.
func (s *Straight) Reviews(ctx context.Context, pending bool, limit, offset int) ([]domain.AutoReview, error) {
	q := s.db.WithContext(ctx).Order("sampled_at, claim_id").Limit(limit).Offset(offset)
	if pending {
		q = q.Where("outcome = ''")
	}
	var rows []reviewRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	out := make([]domain.AutoReview, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateReview applies change to a sampled decision's review under a lock.
func (s *Straight) UpdateReview(ctx context.Context, claimID string, change func(*domain.AutoReview) error) (domain.AutoReview, error) {
	var out domain.AutoReview
	err := postgres.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		var row reviewRow
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("claim_id = ?", claimID).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.NotFound, "the decision on claim %s was not sampled for review", claimID)
		}
		if err != nil {
			return fmt.Errorf("load review: %w", err)
		}
		out = row.toDomain()
		if err := change(&out); err != nil {
			return err
		}
		return tx.Model(&reviewRow{}).Where("claim_id = ?", claimID).Updates(map[string]any{"outcome": out.Outcome, "note": out.Note,
			"reviewed_by": out.ReviewedBy, "reviewed_at": out.ReviewedAt}).Error
	})
	return out, err
}

type autoSwitchRow struct {
	ID        int64 `gorm:"primaryKey"`
	Enabled   bool
	Reason    string
	ChangedBy string
	ChangedAt time.Time
}

func (autoSwitchRow) TableName() string { return "auto_switch" }

// Switch returns the switch's changes, latest first.
func (s *Straight) Switch(ctx context.Context, limit int) ([]domain.SwitchChange, error) {
	var rows []autoSwitchRow
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read the switch: %w", err)
	}
	out := make([]domain.SwitchChange, len(rows))
	for i, r := range rows {
		out[i] = domain.SwitchChange{Enabled: r.Enabled, Reason: r.Reason, ChangedBy: r.ChangedBy, ChangedAt: r.ChangedAt.UTC()}
	}
	return out, nil
}

// SetSwitch records a change of the switch.
func (s *Straight) SetSwitch(ctx context.Context, ch domain.SwitchChange) error {
	if err := s.db.WithContext(ctx).Create(&autoSwitchRow{Enabled: ch.Enabled, Reason: ch.Reason, ChangedBy: ch.ChangedBy, ChangedAt: ch.ChangedAt}).Error; err != nil {
		return fmt.Errorf("record the switch: %w", err)
	}
	return nil
}
