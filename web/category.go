package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// The problem categories (问题分类): their JSON API and the office's page.

func (s *problemHandlers) apiCategories(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Problems.FindCategories(r.Context(), r.URL.Query().Get("all") == "1")
	if err != nil {
		return err
	}
	writeList(w, cs, "")
	return nil
}

func (s *problemHandlers) apiSaveCategory(w http.ResponseWriter, r *http.Request) error {
	var c sanlian.Category
	if err := decodeJSON(w, r, &c); err != nil {
		return err
	}
	status := http.StatusCreated
	if code := r.PathValue("code"); code != "" {
		c.Code = code
		status = http.StatusOK
		if err := needVersion(c.Version); err != nil {
			return err
		}
	} else {
		c.Version = 0
	}
	if err := s.Problems.SaveCategory(r.Context(), &c); err != nil {
		return err
	}
	writeJSON(w, status, c)
	return nil
}

type categoriesPage struct {
	basePage
	Categories []*sanlian.Category
	Error      string
	Fields     map[string]string
}

func (s *problemHandlers) categoriesPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Problems.FindCategories(r.Context(), true)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "categories", &categoriesPage{basePage: s.base(r, "问题类别", "problems"), Categories: cs})
}

func (s *problemHandlers) categorySubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	atoi := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(f.Get(k))); return n }
	c := &sanlian.Category{Code: strings.TrimSpace(f.Get("code")), Name: f.Get("name"), AcceptDays: atoi("accept_days"),
		ResolveDays: atoi("resolve_days"), Active: f.Get("active") != "", Sort: atoi("sort"), Version: int64(atoi("version"))}
	err := s.Problems.SaveCategory(r.Context(), c)
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		cs, ferr := s.Problems.FindCategories(r.Context(), true)
		if ferr != nil {
			return ferr
		}
		return s.render(w, r, sanlian.HTTPStatus(code), "categories", &categoriesPage{basePage: s.base(r, "问题类别", "problems"), Categories: cs,
			Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/categories?ok="+url.QueryEscape("已保存 "+c.Name), http.StatusSeeOther)
	return nil
}
