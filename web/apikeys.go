package web

import (
	"net/http"
	"net/url"

	"sanlian"
)

// The office's API keys for Open311 GeoReport v2 (package open311 serves
// GeoReport itself; the keys' pages are the office's, here).

// apiKeyRoutes are the office's pages and API for the keys: the office alone.
func (s *accountHandlers) apiKeyRoutes() []route {
	return []route{
		{pattern: "GET /api-keys", h: s.apiKeysPage, acc: roles(office)},
		{pattern: "POST /api-keys", h: s.apiKeyCreateSubmit, acc: roles(office)},
		{pattern: "POST /api-keys/{id}/revoke", h: s.apiKeyRevokeSubmit, acc: roles(office)},
		{pattern: "GET /api/v1/api-keys", h: s.apiAPIKeys, acc: roles(office)},
		{pattern: "POST /api/v1/api-keys", h: s.apiCreateAPIKey, acc: roles(office)},
		{pattern: "POST /api/v1/api-keys/{id}/revoke", h: s.apiRevokeAPIKey, acc: roles(office)},
	}
}

// apiAPIKeys is GET /api/v1/api-keys.
func (s *accountHandlers) apiAPIKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.Open311.FindAPIKeys(r.Context())
	if err != nil {
		return err
	}
	writeList(w, keys, "")
	return nil
}

// apiCreateAPIKey is POST /api/v1/api-keys: the answer carries the key,
// shown this once.
func (s *accountHandlers) apiCreateAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in sanlian.APIKeyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	k, err := s.Open311.CreateAPIKey(r.Context(), &in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, k)
	return nil
}

// apiRevokeAPIKey is POST /api/v1/api-keys/{id}/revoke.
func (s *accountHandlers) apiRevokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.Open311.RevokeAPIKey(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

type apiKeysPage struct {
	basePage
	Keys    []*sanlian.APIKey
	Sources []projectOption
	Issued  *sanlian.IssuedAPIKey
	Form    url.Values
	Error   string
	Fields  map[string]string
}

// apiKeysPage is GET /api-keys: the keys and the form to issue one.
func (s *accountHandlers) apiKeysPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAPIKeys(w, r, http.StatusOK, url.Values{"source": {sanlian.SourceHotline}}, nil, nil)
}

func (s *accountHandlers) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, form url.Values, issued *sanlian.IssuedAPIKey, ferr error) error {
	keys, err := s.Open311.FindAPIKeys(r.Context())
	if err != nil {
		return err
	}
	page := &apiKeysPage{basePage: s.base(r, "接口密钥", "api-keys"), Keys: keys, Sources: codeOptions(sanlian.APIKeySources, sanlian.SourceLabel, form.Get("source")),
		Issued: issued, Form: form}
	if ferr != nil {
		page.Error, page.Fields = sanlian.ErrorMessage(ferr), sanlian.ErrorFields(ferr)
	}
	return s.render(w, r, status, "apikeys", page)
}

// apiKeyCreateSubmit is POST /api-keys: the page comes back with the new
// key shown once, or with the form as typed and what was wrong.
func (s *accountHandlers) apiKeyCreateSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, 64<<10); err != nil {
		return err
	}
	f := r.PostForm
	k, err := s.Open311.CreateAPIKey(r.Context(), &sanlian.APIKeyInput{Name: f.Get("name"), Source: f.Get("source")})
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE {
		return s.renderAPIKeys(w, r, sanlian.HTTPStatus(code), f, nil, err)
	} else if err != nil {
		return err
	}
	return s.renderAPIKeys(w, r, http.StatusCreated, url.Values{"source": {sanlian.SourceHotline}}, k, nil)
}

// apiKeyRevokeSubmit is POST /api-keys/{id}/revoke.
func (s *accountHandlers) apiKeyRevokeSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.Open311.RevokeAPIKey(r.Context(), id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/api-keys?ok="+url.QueryEscape("已停用接口密钥“"+k.Name+"”"), http.StatusSeeOther)
	return nil
}
