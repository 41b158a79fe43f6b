package ports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"claims.local/intake/internal/app"
	"claims.local/intake/internal/domain"
	"claims.local/pkg/apperr"
	"claims.local/pkg/auth/authhttp"
	"claims.local/pkg/calendar"
	"claims.local/pkg/document"
	"claims.local/pkg/document/docjson"
	"claims.local/pkg/httpapi"
)

// uploadPart names the multipart part that carries the file.
const uploadPart = "file"

// readUpload streams the one file of a multipart/form-data request to a
// spool file, at most limit bytes of it, enforcing the limit while it
// streams: a slow or large upload holds a copy buffer, not the file, in
// memory, and no decode slot (issue 17). The caller removes the spool file
// (removeSpool) once done; on an error none is left. What the file is called
// is returned for people only.
func readUpload(c *gin.Context, limit int64) (spool *os.File, name string, err error) {
	defer func() {
		if err != nil {
			removeSpool(spool)
			spool = nil
		}
	}()
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" {
		return nil, "", apperr.New(apperr.UnsupportedMedia, "send the file as multipart/form-data, in a part named %q", uploadPart)
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, "", apperr.New(apperr.Invalid, "the multipart body cannot be read: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return spool, "", bodyError(err)
		}
		if part.FormName() != uploadPart {
			if _, err = io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
				return spool, "", bodyError(err)
			}
			continue
		}
		if spool != nil {
			return spool, "", apperr.InvalidField(uploadPart, "send one file per request")
		}
		if spool, err = os.CreateTemp("", "intake-upload-*"); err != nil {
			return nil, "", fmt.Errorf("spool an upload: %w", err)
		}
		name = part.FileName()
		n, err := io.Copy(spool, io.LimitReader(part, limit+1))
		if err != nil {
			return spool, "", bodyError(err)
		}
		if n > limit {
			return spool, "", apperr.New(apperr.TooLarge, "the file is larger than %d bytes, the most accepted", limit)
		}
	}
	if spool == nil {
		return nil, "", apperr.InvalidField(uploadPart, "is required: the multipart body has no part named %q", uploadPart)
	}
	return spool, name, nil
}

// spoolSize is the most an upload's spool file may take: readUpload
// spools at most limit+1 bytes of the file, which the body carries with
// its framing, so a body of a declared length (contentLength, -1 when
// unknown: chunked) holds no more than that.
func spoolSize(contentLength, limit int64) int64 {
	if contentLength >= 0 && contentLength <= limit {
		return contentLength
	}
	return limit + 1
}

// removeSpool closes and deletes a spool file; nil is none.
func removeSpool(f *os.File) {
	if f != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
}

// readSpool reads a spooled upload back from its start.
func readSpool(f *os.File) ([]byte, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read a spooled upload: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read a spooled upload: %w", err)
	}
	return data, nil
}

// bodyError says what went wrong reading a request body: too large for
// the service, or cut short.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apperr.New(apperr.TooLarge, "the request is larger than the %d bytes this service accepts", tooLarge.Limit)
	}
	return apperr.New(apperr.Invalid, "the multipart body cannot be read: %v", err)
}

// refuseUnread answers an upload refused before its body is read and
// closes the connection after the answer. Kept open, net/http reads up to
// 256 KiB of the unread body before it answers (so that the connection
// may carry the next request), and a sender holding its body back held
// the refusal until the read timeout (session 16).
func (h *HTTP) refuseUnread(c *gin.Context, err error) {
	c.Header("Connection", "close")
	h.fail(c, err)
}

func (h *HTTP) upload(c *gin.Context) {
	p, err := authhttp.Actor(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	// The caller's uploads in flight are bounded before the body is read.
	// The claimant's channel is one account sending every claimant's
	// uploads, each to the claimant's own report: its uploads are counted
	// per report, so that one claimant does not hold the others out.
	caller := p.Subject
	if via(p) == domain.ViaClaimant {
		caller += "|report:" + c.Param("id")
	}
	done, err := h.app.CallerUpload(caller)
	if err != nil {
		h.refuseUnread(c, err)
		return
	}
	defer done()
	// So are the bytes the instance's spools hold, over all callers: room
	// for this upload's spool file is reserved before its body is read.
	limit := h.app.UploadLimits().MaxBytes
	unspool, err := h.app.SpoolRoom(spoolSize(c.Request.ContentLength, limit))
	if err != nil {
		h.refuseUnread(c, err)
		return
	}
	defer unspool()
	spool, name, err := readUpload(c, limit)
	if err != nil {
		h.fail(c, err)
		return
	}
	defer removeSpool(spool)
	// Only a file received in full takes a slot: at most UploadSlots files
	// are in memory and decoded at once, however slow their senders.
	release, err := h.app.UploadSlot(c.Request.Context())
	if err != nil {
		h.fail(c, err)
		return
	}
	defer release()
	data, err := readSpool(spool)
	if err != nil {
		h.fail(c, err)
		return
	}
	d, created, err := h.app.Upload(c.Request.Context(), c.Param("id"), data, name, p.Subject, via(p))
	if err != nil {
		h.fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.Header("Location", "/v1/reports/"+d.ReportID+"/documents/"+d.ID)
	c.JSON(status, toDocument(d, nil, false))
}

func (h *HTTP) listDocuments(c *gin.Context) {
	f, err := h.app.Report(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	satisfies := satisfiedItems(f.Checklist())
	out := struct {
		Documents []documentJSON `json:"documents"`
	}{Documents: []documentJSON{}}
	for _, d := range f.Documents {
		out.Documents = append(out.Documents, toDocument(d, satisfies[d.ID], false))
	}
	c.JSON(http.StatusOK, out)
}

func (h *HTTP) getDocument(c *gin.Context) {
	f, err := h.app.Report(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.fail(c, err)
		return
	}
	d, err := f.Document(c.Param("doc"))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDocument(*d, satisfiedItems(f.Checklist())[d.ID], true))
}

// contentTypes are the media types files are served back with. Read-only.
var contentTypes = map[document.Media]string{
	document.JPEG: "image/jpeg", document.PNG: "image/png", document.TIFF: "image/tiff", document.PDF: "application/pdf",
	document.OFD: "application/ofd",
}

// revealTypes are the documents whose file shows a resident ID or account
// number: their file is served only for a reason, recorded as a reveal.
var revealTypes = map[document.Type]bool{document.IDCard: true, document.BankCard: true}

// documentContent serves a document's file. With ?reason= the read is
// recorded as a reveal an auditor lists (R11, issue 17); the file of an ID
// card or a bank card is served only so.
func (h *HTTP) documentContent(c *gin.Context) {
	d, data, ok := h.readFile(c, "document content read", func(ctx context.Context) (domain.Document, []byte, error) {
		return h.app.DocumentContent(ctx, c.Param("id"), c.Param("doc"))
	})
	if !ok {
		return
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Disposition", "attachment; filename=\""+d.ID+"."+string(d.Media)+"\"")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, contentTypes[d.Media], data)
}

// documentPage serves page n of a document's file as an image, for the
// document viewer, under documentContent's rules (R11, issue 17).
func (h *HTTP) documentPage(c *gin.Context) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		h.fail(c, apperr.New(apperr.NotFound, "no page %q", c.Param("n")))
		return
	}
	var mediaType string
	_, img, ok := h.readFile(c, "document page read", func(ctx context.Context) (d domain.Document, img []byte, err error) {
		d, img, mediaType, err = h.app.DocumentPage(ctx, c.Param("id"), c.Param("doc"), n)
		return d, img, err
	}, "page", n)
	if !ok {
		return
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, mediaType, img)
}

// readFile reads what of a document's file read returns for the signed-in
// user. With ?reason= the read is first recorded as a reveal an auditor
// lists; the file of an upload of which a part is an ID card or a bank card
// is given only so (R11, issue 17: a bundle's second part shows the number
// as much as a lone card). Who read which file is logged with logAttrs. It
// reports false once it answered with an error.
func (h *HTTP) readFile(c *gin.Context, what string, read func(ctx context.Context) (domain.Document, []byte, error), logAttrs ...any) (domain.Document, []byte, bool) {
	p, err := authhttp.Actor(c)
	if err != nil {
		h.fail(c, err)
		return domain.Document{}, nil, false
	}
	ctx := c.Request.Context()
	if reason, ok := c.GetQuery("reason"); ok {
		if _, err := h.app.RevealDocument(ctx, p, c.Param("id"), c.Param("doc"), app.RevealContent, reason); err != nil {
			h.fail(c, err)
			return domain.Document{}, nil, false
		}
	}
	d, data, err := read(ctx)
	if err != nil {
		h.fail(c, err)
		return domain.Document{}, nil, false
	}
	if revealed(d) && !c.Request.URL.Query().Has("reason") {
		h.fail(c, apperr.InvalidField("reason", "is required to see the file of an ID card or a bank card: the read is recorded (R11)"))
		return domain.Document{}, nil, false
	}
	// Who saw which personal data is part of the audit (R11).
	h.log.InfoContext(ctx, what, append([]any{"claim_id", d.ClaimID, "document_id", d.ID, "by", p.Subject}, logAttrs...)...)
	return d, data, true
}

// revealed reports whether a part of d is, or was ever read or typed as, a
// document whose file shows a resident ID or account number
// (revealTypes): a handler's correction of the type changes what the part
// counts as, not what its pages show, so it never lifts the reveal.
func revealed(d domain.Document) bool {
	for i := range d.PartCount() {
		if t, typed := d.PartType(i); typed && revealTypes[t] {
			return true
		}
		if p, ok := d.MachinePart(i); ok && revealTypes[p.Analysis.Type] {
			return true
		}
	}
	return slices.ContainsFunc(d.Corrections, func(c domain.Correction) bool { return c.Type != nil && revealTypes[*c.Type] })
}

type revealRequest struct {
	Reason string `json:"reason"`
}

// revealDocument answers a document's text and fields in full, for a
// stated reason, after recording the reveal (R11, issue 17).
func (h *HTTP) revealDocument(c *gin.Context) {
	p, err := authhttp.Actor(c)
	if err == nil {
		var in revealRequest
		if err = httpapi.BindJSON(c, &in); err == nil {
			var d domain.Document
			if d, err = h.app.RevealDocument(c.Request.Context(), p, c.Param("id"), c.Param("doc"), app.RevealText, in.Reason); err == nil {
				out := struct {
					ID     string     `json:"id"`
					Type   string     `json:"type,omitempty"`
					Fields fieldsJSON `json:"fields"`
					Text   string     `json:"text"`
				}{ID: d.ID, Fields: docjson.FieldsOf(d.Fields())}
				if t, ok := d.Type(); ok {
					out.Type = string(t)
				}
				if d.Reading != nil {
					out.Text = d.Reading.Text
				}
				h.log.InfoContext(c.Request.Context(), "document revealed", "claim_id", d.ClaimID, "document_id", d.ID, "by", p.Subject)
				c.Header("Cache-Control", "no-store")
				c.JSON(http.StatusOK, out)
				return
			}
		}
	}
	h.fail(c, err)
}

type fieldsRequest struct {
	IDNumber       *string   `json:"id_number"`
	TotalAmountFen *int64    `json:"total_amount_fen"`
	EventDate      *string   `json:"event_date"`
	InvoiceNumber  *string   `json:"invoice_number"`
	Names          *[]string `json:"names"`
	AccountNumber  *string   `json:"account_number"`
	AccountHolder  *string   `json:"account_holder"`
}

type correctionRequest struct {
	// Part is the index of the part corrected, 0 (the first) when absent.
	Part int     `json:"part"`
	Type *string `json:"type"`
	// ExpectedType is the document's type as the client showed it ("" for
	// none known): a mismatch is a 409 (see domain.Document.Correct).
	ExpectedType *string        `json:"expected_type"`
	Fields       *fieldsRequest `json:"fields"`
	Note         string         `json:"note"`
}

func (h *HTTP) correct(c *gin.Context) {
	var req correctionRequest
	by, ok := h.signedJSON(c, &req)
	if !ok {
		return
	}
	corr := domain.Correction{Part: req.Part, Note: req.Note}
	if req.Type != nil {
		t := document.Type(*req.Type)
		corr.Type = &t
	}
	if req.ExpectedType != nil {
		t := document.Type(*req.ExpectedType)
		corr.ExpectedType = &t
	}
	if f := req.Fields; f != nil {
		corr.IDNumber, corr.TotalAmountFen, corr.InvoiceNumber = f.IDNumber, f.TotalAmountFen, f.InvoiceNumber
		corr.AccountNumber, corr.AccountHolder = f.AccountNumber, f.AccountHolder
		if f.EventDate != nil {
			d, err := calendar.ParseDate(*f.EventDate)
			if err != nil {
				h.fail(c, apperr.InvalidField("fields.event_date", "must be a date YYYY-MM-DD"))
				return
			}
			corr.EventDate = &d
		}
		if f.Names != nil {
			corr.Names = append([]string{}, *f.Names...)
		}
	}
	f, d, err := h.app.Correct(c.Request.Context(), c.Param("id"), c.Param("doc"), corr, by)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toDocument(d, satisfiedItems(f.Checklist())[d.ID], false))
}

// seqParam reads a notice's sequence number from the path.
func seqParam(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("seq"))
	if err != nil || n < 1 {
		return 0, apperr.New(apperr.NotFound, "no notice %q", c.Param("seq"))
	}
	return n, nil
}
