package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"sanlian"
)

// defaultMaxImport is the largest workbook an import takes when the
// configuration sets none: a county's 300,000 households fill about 15 MB.
const defaultMaxImport = 64 << 20

// importKind finds the import kind named code, or says there is none.
func importKind(code string) (*sanlian.ImportKind, error) {
	if code == "" {
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "请指定导入的数据类型（kind）",
			Fields: map[string]string{"kind": "请选择导入的数据类型"}}
	}
	k := sanlian.FindImportKind(code)
	if k == nil {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "没有这种导入：%s", code)
	}
	return k, nil
}

// workbookUpload is an uploaded workbook, spooled to a temporary file so
// that the import can read it twice and excelize need not hold it in
// memory.
type workbookUpload struct {
	file *os.File
	size int64
	form url.Values // the multipart form's other fields
}

// Close removes the temporary file.
func (u *workbookUpload) Close() {
	u.file.Close()
	os.Remove(u.file.Name())
}

// readWorkbook reads an import's file from a multipart/form-data body
// (field file, other fields kept in form) or from a raw .xlsx body, up to
// MaxImport bytes.
func (s *listHandlers) readWorkbook(w http.ResponseWriter, r *http.Request) (*workbookUpload, error) {
	limit := s.cfg.MaxImport
	tooLarge := sanlian.Errorf(sanlian.ETOOLARGE, "文件超过 %s 的导入上限：请分成几个文件分别导入", sanlian.SizeLabel(limit))
	if r.ContentLength > limit+uploadEnvelope {
		return nil, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+uploadEnvelope)
	// A workbook of tens of megabytes over a township's line takes longer
	// than the server's read timeout allows an ordinary request.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(importTimeout))
	readErr := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		}
		return sanlian.Errorf(sanlian.EINVALID, "上传的内容不完整或格式有误，请重新上传")
	}
	up := &workbookUpload{form: url.Values{}}
	spool := func(src io.Reader) error {
		f, err := os.CreateTemp("", "sanlian-import-*.xlsx")
		if err != nil {
			return fmt.Errorf("import upload: %w", err)
		}
		up.file = f
		n, err := io.Copy(f, io.LimitReader(src, limit+1))
		if err != nil {
			return readErr(err)
		}
		if n > limit {
			return tooLarge
		}
		up.size = n
		return nil
	}
	fail := func(err error) (*workbookUpload, error) {
		if up.file != nil {
			up.Close()
		}
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case xlsxType, "application/octet-stream":
		if err := spool(r.Body); err != nil {
			return fail(err)
		}
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return fail(sanlian.Errorf(sanlian.EINVALID, "上传的内容不完整或格式有误，请重新上传"))
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				return fail(readErr(err))
			}
			switch name := part.FormName(); {
			case name == "file" && up.file == nil:
				if err := spool(part); err != nil {
					return fail(err)
				}
			case name != "" && part.FileName() == "":
				b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
				if err != nil {
					return fail(readErr(err))
				}
				if len(b) > maxFormField {
					return fail(sanlian.Errorf(sanlian.ETOOLARGE, "表单字段 %s 过长", name))
				}
				if err := checkFormField(name, string(b)); err != nil {
					return fail(err)
				}
				up.form.Add(name, string(b))
			default:
				if _, err := io.Copy(io.Discard, part); err != nil {
					return fail(readErr(err))
				}
			}
		}
	default:
		return fail(sanlian.Errorf(sanlian.EINVALID, "请以 multipart/form-data 上传文件（字段名 file），或以 Content-Type: %s 直接发送文件内容", xlsxType))
	}
	if up.file == nil || up.size == 0 {
		return fail(&sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "请选择要导入的 Excel 文件（.xlsx）",
			Fields: map[string]string{"file": "请选择要导入的 Excel 文件"}})
	}
	return up, nil
}

// runImport imports an uploaded workbook as kind, parsing it once (the
// checking pass spools the rows for the writing pass). A county's whole
// roster takes longer than the server's write timeout, so this request's
// deadlines are pushed back.
func (s *listHandlers) runImport(r *http.Request, w http.ResponseWriter, kind *sanlian.ImportKind, up *workbookUpload) (*sanlian.ImportReport, error) {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(importTimeout)) // best effort: not every writer supports it
	open, cleanup := sanlian.SpoolRows(func() (sanlian.RowSource, error) {
		return s.Sheets.ReadImport(up.file, up.size, kind)
	})
	defer cleanup()
	return s.Imports.Import(r.Context(), kind, open)
}

// importTimeout bounds one import request.
const importTimeout = 15 * time.Minute

// importFailed is the message of a report with nothing written.
func importFailed(rep *sanlian.ImportReport) string {
	if n := len(rep.Errors) + rep.More; n > 0 {
		return fmt.Sprintf("导入未完成：有 %d 处错误，所有数据均未导入。请改正后重新导入整个文件。", n)
	}
	return "导入未完成：文件中没有可导入的数据行"
}

// importProblem is the problem+json body of an import with bad rows: the
// report goes along as the extension member report.
type importProblem struct {
	problem
	Report *sanlian.ImportReport `json:"report"`
}

// apiImport is POST /api/v1/imports?kind=households: the workbook as the
// multipart field file, or as the raw body. It answers the report: 200
// when written, 422 (problem+json, the report in member report) when any
// row failed.
func (s *listHandlers) apiImport(w http.ResponseWriter, r *http.Request) error {
	code := r.URL.Query().Get("kind")
	if code != "" { // refused before the body is read
		if _, err := importKind(code); err != nil {
			return err
		}
	}
	up, err := s.readWorkbook(w, r)
	if err != nil {
		return err
	}
	defer up.Close()
	if code == "" {
		code = strings.TrimSpace(up.form.Get("kind"))
	}
	kind, err := importKind(code)
	if err != nil {
		return err
	}
	rep, err := s.runImport(r, w, kind, up)
	if err != nil {
		return err
	}
	if rep.Committed {
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	p := importProblem{problem: problem{Type: "https://sanlian.invalid/errors/" + sanlian.EUNPROCESSABLE,
		Title: titleOf(sanlian.EUNPROCESSABLE), Status: http.StatusUnprocessableEntity, Detail: importFailed(rep),
		Code: sanlian.EUNPROCESSABLE}, Report: rep}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	return json.NewEncoder(w).Encode(p)
}

// apiImportTemplate is GET /api/v1/imports/{kind}/template.xlsx.
func (s *listHandlers) apiImportTemplate(w http.ResponseWriter, r *http.Request) error {
	return s.importTemplate(w, r)
}

// importsPage is the page of Excel imports: a template and an upload form
// per kind, and after a refused upload the report of every bad row.
type importsPage struct {
	basePage
	Kinds     []*sanlian.ImportKind
	Kind      string // the kind chosen in the form
	MaxImport string
	Error     string
	Fields    map[string]string
	Report    *sanlian.ImportReport
}

// RequiredHeaders lists a kind's required headers, for the page.
func (p *importsPage) RequiredHeaders(k *sanlian.ImportKind) string {
	return strings.Join(k.RequiredHeaders(), "、")
}

func (s *listHandlers) newImportsPage(r *http.Request, kind string) *importsPage {
	return &importsPage{basePage: s.base(r, "Excel 导入", "imports"), Kinds: sanlian.ImportKinds, Kind: kind,
		MaxImport: sanlian.SizeLabel(s.cfg.MaxImport)}
}

// importsPage is GET /imports.
func (s *listHandlers) importsPage(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	if sanlian.FindImportKind(kind) == nil {
		kind = ""
	}
	return s.render(w, r, http.StatusOK, "imports", s.newImportsPage(r, kind))
}

// importSubmit is POST /imports, the page's upload form. A written import
// goes back to the page with how many rows were written; a refused one
// shows the page again with the reason or the table of bad rows.
func (s *listHandlers) importSubmit(w http.ResponseWriter, r *http.Request) error {
	rep, code, err := s.importForm(w, r)
	if err == nil && rep.Committed {
		msg := fmt.Sprintf("%s：已导入 %d 行", rep.Label, rep.Created)
		if rep.Skipped > 0 {
			msg += fmt.Sprintf("，%d 行无需写入", rep.Skipped)
		}
		http.Redirect(w, r, "/imports?kind="+url.QueryEscape(rep.Kind)+"&ok="+url.QueryEscape(msg), http.StatusSeeOther)
		return nil
	}
	page := s.newImportsPage(r, code)
	status := http.StatusUnprocessableEntity
	switch ec := sanlian.ErrorCode(err); ec {
	case "":
		page.Report, page.Error = rep, importFailed(rep)
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID, sanlian.EFORBIDDEN, sanlian.ENOTFOUND:
		page.Error, page.Fields, status = sanlian.ErrorMessage(err), sanlian.ErrorFields(err), sanlian.HTTPStatus(ec)
	default:
		return err
	}
	return s.render(w, r, status, "imports", page)
}

// importForm reads the page's form and runs the import; code is the kind
// chosen, for the form shown again.
func (s *listHandlers) importForm(w http.ResponseWriter, r *http.Request) (rep *sanlian.ImportReport, code string, err error) {
	up, err := s.readWorkbook(w, r)
	if err != nil {
		return nil, "", err
	}
	defer up.Close()
	code = strings.TrimSpace(up.form.Get("kind"))
	kind, err := importKind(code)
	if err != nil {
		if sanlian.FindImportKind(code) == nil {
			code = ""
		}
		return nil, code, err
	}
	rep, err = s.runImport(r, w, kind, up)
	return rep, code, err
}

// importTemplate is GET /imports/{kind}/template.xlsx: the kind's template.
func (s *listHandlers) importTemplate(w http.ResponseWriter, r *http.Request) error {
	kind, err := importKind(r.PathValue("kind"))
	if err != nil {
		return err
	}
	out := &download{w: w, ctype: xlsxType, filename: kind.Label + "导入模板.xlsx"}
	err = s.Sheets.WriteTemplate(out, kind)
	if err != nil && out.started {
		s.log.Error("import template broke off", "kind", kind.Code, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}
