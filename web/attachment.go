package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"sanlian"
	"sanlian/media"
)

// Upload limits beside the per-file limit (Config.MaxUpload).
const (
	uploadEnvelope = 1 << 20 // multipart headers and form fields, on top of the files
	maxUploadFiles = 20      // files in one request
)

// checkUpload tells what a file is (media.Sniff) and decides whether it
// may be stored (sanlian.CheckUpload), so that a request is refused whole
// before its first file is stored.
func checkUpload(filename string, data []byte, max int64) error {
	f := media.Sniff(filename, data)
	return sanlian.CheckUpload(f.Name, f.Size, max, f.Seems, f.RiskyExt)
}

// checkPhoto is checkUpload for pictures only (sanlian.CheckPhoto).
func checkPhoto(filename string, data []byte, max int64) error {
	f := media.Sniff(filename, data)
	return sanlian.CheckPhoto(f.Name, f.Size, max, f.Seems, f.RiskyExt, f.NotPicture())
}

// upload is one file part, read whole (within the limits) so that every
// file of a request is checked before any is stored.
type upload struct {
	name string
	data []byte
}

// readUpload reads a problem's upload: the kind field and the file parts.
func (s *problemHandlers) readUpload(w http.ResponseWriter, r *http.Request) (kind string, files []upload, err error) {
	form, files, err := s.readMultipart(w, r)
	if err != nil {
		return "", nil, err
	}
	kind = strings.TrimSpace(form.Get("kind"))
	if kind == "" {
		kind = sanlian.AttachProblem
	}
	return kind, files, nil
}

// maxFormField caps one text field of a multipart form: a visit's findings
// of 5,000 characters fit.
const maxFormField = 32 << 10

// readMultipart reads a multipart/form-data body as it streams: the text
// fields and the file parts (named file). The whole body is capped at
// MaxUpload + 1 MB, each file at MaxUpload; nothing is spooled to disk.
func (s *problemHandlers) readMultipart(w http.ResponseWriter, r *http.Request) (url.Values, []upload, error) {
	limit := s.cfg.MaxUpload
	r.Body = http.MaxBytesReader(w, r.Body, limit+uploadEnvelope)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, sanlian.Errorf(sanlian.EINVALID, "请以 multipart/form-data 格式上传文件（文件字段名为 file）")
	}
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &sanlian.Error{Code: sanlian.ETOOLARGE, Message: fmt.Sprintf("一次上传的文件合计不能超过 %s，请分次上传",
				sanlian.SizeLabel(limit+uploadEnvelope)), Fields: map[string]string{"file": "文件合计过大"}}
		}
		return sanlian.Errorf(sanlian.EINVALID, "上传的内容不完整或格式有误，请重新上传")
	}
	form := url.Values{}
	var files []upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, tooLarge(err)
		}
		switch name := part.FormName(); {
		case name == "file":
			name := part.FileName()
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return nil, nil, tooLarge(err)
			}
			if name == "" && len(data) == 0 {
				continue // a file input left empty
			}
			if int64(len(data)) > limit { // say which file, before reading on
				return nil, nil, checkUpload(name, data, limit)
			}
			if len(files) == maxUploadFiles {
				return nil, nil, sanlian.FieldErrors(map[string]string{"file": fmt.Sprintf("一次最多上传 %d 个文件", maxUploadFiles)})
			}
			files = append(files, upload{name: name, data: data})
		case name != "" && part.FileName() == "":
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return nil, nil, tooLarge(err)
			}
			if len(b) > maxFormField {
				return nil, nil, sanlian.Errorf(sanlian.ETOOLARGE, "表单字段 %s 过长", name)
			}
			if err := checkFormField(name, string(b)); err != nil {
				return nil, nil, err
			}
			form.Add(name, string(b))
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, nil, tooLarge(err)
			}
		}
	}
	return form, files, nil
}

// addAttachments stores the files of an upload request, all or none as far
// as their size and type go: every file is checked before the first is
// stored.
func (s *problemHandlers) addAttachments(w http.ResponseWriter, r *http.Request) ([]*sanlian.Attachment, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	// Out of scope answers before the body is read.
	if _, err := s.Problems.FindProblemByID(ctx, id); err != nil {
		return nil, err
	}
	kind, files, err := s.readUpload(w, r)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, sanlian.FieldErrors(map[string]string{"file": "请选择要上传的文件"})
	}
	for _, f := range files {
		if err := checkUpload(f.name, f.data, s.cfg.MaxUpload); err != nil {
			return nil, err
		}
	}
	out := make([]*sanlian.Attachment, 0, len(files))
	for _, f := range files {
		a, err := s.Attachments.AddAttachment(ctx, id, kind, f.name, bytes.NewReader(f.data), s.cfg.MaxUpload)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// apiAttachments is GET /api/v1/problems/{id}/attachments.
func (s *problemHandlers) apiAttachments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	items, err := s.Attachments.FindAttachments(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// apiAddAttachment is POST /api/v1/problems/{id}/attachments: multipart
// fields file (one or several) and kind (problem, the default, or
// resolution).
func (s *problemHandlers) apiAddAttachment(w http.ResponseWriter, r *http.Request) error {
	items, err := s.addAttachments(w, r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": items})
	return nil
}

// uploadAction is how a refused upload is named above the problem page.
const uploadAction = "上传附件"

// attachmentSubmit is POST /problems/{id}/attachments, the problem page's
// upload form. A refused file shows the page again with the reason.
func (s *problemHandlers) attachmentSubmit(w http.ResponseWriter, r *http.Request) error {
	items, err := s.addAttachments(w, r)
	switch code := sanlian.ErrorCode(err); code {
	case "":
		id := r.PathValue("id")
		msg := fmt.Sprintf("已上传 %d 个附件", len(items))
		http.Redirect(w, r, "/problems/"+id+"?ok="+url.QueryEscape(msg)+"#attachments", http.StatusSeeOther)
		return nil
	case sanlian.EUNPROCESSABLE, sanlian.ETOOLARGE, sanlian.EINVALID, sanlian.EUNAVAILABLE:
		id, perr := pathID(r, "id")
		if perr != nil {
			return perr
		}
		page, perr := s.loadProblemPage(r, id)
		if perr != nil {
			return perr
		}
		page.Error, page.Fields, page.FailedAct = sanlian.ErrorMessage(err), sanlian.ErrorFields(err), uploadAction
		return s.render(w, r, sanlian.HTTPStatus(code), "problem", page)
	}
	return err
}

// MayAttach reports whether the viewer may add an attachment of kind to
// the problem now, for the upload form's choices.
func (p *problemPage) MayAttach(kind string) bool { return slices.Contains(p.AttachKinds, kind) }

// attachmentDownload is GET /attachments/{id}.
func (s *problemHandlers) attachmentDownload(w http.ResponseWriter, r *http.Request) error {
	return s.serveAttachment(w, r, false)
}

// attachmentThumb is GET /attachments/{id}/thumb, a JPEG.
func (s *problemHandlers) attachmentThumb(w http.ResponseWriter, r *http.Request) error {
	return s.serveAttachment(w, r, true)
}

// serveAttachment sends a stored file so that no browser runs or renders
// it as a page: the detected type with nosniff, a sandbox with nothing
// allowed, and documents as downloads. Pictures open in the browser.
func (s *problemHandlers) serveAttachment(w http.ResponseWriter, r *http.Request, thumb bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, body, size, err := s.Attachments.OpenAttachment(r.Context(), id, thumb)
	if err != nil {
		return err
	}
	ct, name, disp, etag := a.ContentType, a.Filename, "attachment", a.SHA256
	if a.IsImage() {
		disp = "inline"
	}
	if thumb {
		ct, disp, etag = "image/jpeg", "inline", "thumb-"+a.SHA256
		name = strings.TrimSuffix(name, path.Ext(name)) + "-缩略图.jpg"
	}
	// An attachment never changes under its id; private keeps it out of
	// shared caches, as it may show a resident's home.
	w.Header().Set("Cache-Control", "private, max-age=604800")
	w.Header().Set("ETag", strconv.Quote(etag))
	sendStored(w, r, ct, disp, name, a.CreatedAt, body, size)
	return nil
}

// sendStored sends a file people uploaded so that no browser runs it or
// renders it as a page: its detected type with nosniff and a sandbox with
// nothing allowed. The caller sets the caching headers; body is closed.
// A body that can seek (a local file, one still in the database) is
// served with ranges; a stream from an object store is copied as it
// comes, size bytes when size >= 0, with the validators still answered.
func sendStored(w http.ResponseWriter, r *http.Request, contentType, disp, name string, modified time.Time, body io.ReadCloser, size int64) {
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", contentDisposition(disp, name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if rs, ok := body.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", modified, rs)
		return
	}
	if notModified(r, h.Get("ETag"), modified) {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if !modified.IsZero() {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(w, body) // a failure here is the client leaving, or the store: the status is sent already
	}
}

// notModified answers a conditional GET as http.ServeContent would:
// If-None-Match against etag, else If-Modified-Since against modified.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || (etag != "" && t == strings.TrimPrefix(etag, "W/")) {
				return true
			}
		}
		return false
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !modified.IsZero() && !modified.Truncate(time.Second).After(ims)
}
