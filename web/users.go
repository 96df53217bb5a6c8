package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sanlian"
)

// The accounts pages: the list and creation (/users), one account with
// the system administrator's actions and the grant request form
// (/users/{id}), and the grant requests (/grants). Forms post back to the
// same site (CrossOriginProtection in server.go).

type usersPage struct {
	basePage
	Users  []*sanlian.User
	Roles  []sanlian.Role
	Error  string
	Fields map[string]string
	Form   userInput
	// Role and Status filter the list (the sysadmin's workbench links
	// here); FilterLabel names the filter, "" when none.
	Role        sanlian.Role
	Status      string
	FilterLabel string
	// The unit and cadre pickers' text as typed or chosen.
	UnitText, CadreText string
}

// roleNames lists the roles' codes, for a filter parameter.
func roleNames() []string {
	out := make([]string, len(sanlian.Roles))
	for i, r := range sanlian.Roles {
		out[i] = string(r)
	}
	return out
}

func (s *accountHandlers) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, &usersPage{})
}

func (s *accountHandlers) renderUsers(w http.ResponseWriter, r *http.Request, status int, p *usersPage) error {
	var err error
	p.basePage = s.base(r, "账号管理", "users")
	p.Roles = sanlian.Roles
	q := newParams(r)
	p.Role = sanlian.Role(q.oneOf("role", roleNames()...))
	p.Status = q.oneOf("status", sanlian.AccountStatuses...)
	if err := q.err(); err != nil {
		return err
	}
	if p.Role != "" || p.Status != "" {
		if p.Users, err = s.Workbench.FindAccounts(r.Context(), sanlian.AccountFilter{Role: p.Role, Status: p.Status}); err != nil {
			return err
		}
		var parts []string
		if p.Role != "" {
			parts = append(parts, p.Role.Label())
		}
		if p.Status != "" {
			parts = append(parts, sanlian.AccountStatusLabel(p.Status))
		}
		p.FilterLabel = strings.Join(parts, " · ")
	} else if p.Users, err = s.Users.FindUsers(r.Context()); err != nil {
		return err
	}
	return s.render(w, r, status, "users", p)
}

func (s *accountHandlers) usersSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	num := func(name string) int64 { n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64); return n }
	in := userInput{Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Role: sanlian.Role(r.PostFormValue("role")), UnitID: num("unit_id"), CadreID: num("cadre_id")}
	picked, err := s.desks.pickUserLinks(r, &in)
	if err != nil {
		return err
	}
	u := &sanlian.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, UnitID: in.UnitID, CadreID: in.CadreID}
	if err = picked.err(); err == nil {
		err = s.Users.CreateUser(r.Context(), u, r.PostFormValue("password"))
	}
	if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT {
		return s.renderUsers(w, r, sanlian.HTTPStatus(code), &usersPage{Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err), Form: in,
			UnitText: picked.unit, CadreText: picked.cadre})
	} else if err != nil {
		return err
	}
	msg := "已创建账号 " + u.Username
	if u.Pending {
		msg += "：须经安全管理员在“授权审批”中批准后方可登录"
	}
	http.Redirect(w, r, "/users?ok="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

// userPage is one account: its state, sessions and grant requests, and
// the forms its viewer may use.
type userPage struct {
	basePage
	Account  *sanlian.User
	Sessions []*sanlian.UserSession
	Grants   []*sanlian.GrantRequest
	Roles    []sanlian.Role
	Locked   bool
	MayReset bool // an administrator's password is not reset from the web
	// OneTime is a password just reset, shown this once.
	OneTime string
	Error   string
	Fields  map[string]string
	// The grant form as typed, and its pickers' text.
	Form                userInput
	UnitText, CadreText string
}

func (s *accountHandlers) userPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUser(w, r, http.StatusOK, &userPage{})
}

func (s *accountHandlers) renderUser(w http.ResponseWriter, r *http.Request, status int, p *userPage) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if p.Account, err = s.Accounts.FindUserByID(ctx, id); err != nil {
		return err
	}
	p.basePage = s.base(r, "账号 "+p.Account.Username, "users")
	p.Roles = sanlian.Roles
	p.Locked = sanlian.AccountLockedAt(p.Account, s.cfg.Now())
	p.MayReset = sanlian.MayResetPassword(p.User, p.Account) == nil
	if p.May("GET /api/v1/users/{id}/sessions") {
		if p.Sessions, err = s.Accounts.FindUserSessions(ctx, id); err != nil {
			return err
		}
	}
	if p.Grants, err = s.Grants.FindGrants(ctx, sanlian.GrantFilter{UserID: id}); err != nil {
		return err
	}
	if p.Form.Role == "" {
		p.Form = userInput{Role: p.Account.Role, UnitID: p.Account.UnitID, CadreID: p.Account.CadreID}
	}
	// The pickers show the account's unit and cadre, so that a form
	// changing only the role keeps them.
	if p.UnitText == "" && p.Form.UnitID != 0 {
		if u, err := s.Units.FindUnitByID(ctx, p.Form.UnitID); err == nil {
			p.UnitText = u.Name
		}
	}
	if p.CadreText == "" && p.Form.CadreID != 0 {
		if c, err := s.Cadres.FindCadreByID(ctx, p.Form.CadreID); err == nil {
			p.CadreText = cadreValue(c)
		}
	}
	return s.render(w, r, status, "users_detail", p)
}

// formVersion reads the account's version from a form.
func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// userFormError shows a refused account action on the account's page
// (validation and conflicts), or passes other errors on.
func (s *accountHandlers) userFormError(w http.ResponseWriter, r *http.Request, err error, p *userPage) error {
	code := sanlian.ErrorCode(err)
	if code != sanlian.EUNPROCESSABLE && code != sanlian.ECONFLICT {
		return err
	}
	p.Error, p.Fields = sanlian.ErrorMessage(err), sanlian.ErrorFields(err)
	return s.renderUser(w, r, sanlian.HTTPStatus(code), p)
}

// userAction is a POST /users/{id}/… form: the version from the form, the
// action, then back to the account's page with a message.
func (s *accountHandlers) userAction(done string, act func(r *http.Request, id, version int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		v := formVersion(r)
		if err := needVersion(v); err != nil {
			return s.userFormError(w, r, err, &userPage{})
		}
		if err := act(r, id, v); err != nil {
			return s.userFormError(w, r, err, &userPage{})
		}
		http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape(done), http.StatusSeeOther)
		return nil
	}
}

// disableUser, enableUser and unlockUser are the actions of the account
// page's forms (userAction).
func (s *accountHandlers) disableUser(r *http.Request, id, v int64) error {
	_, err := s.Accounts.SetDisabled(r.Context(), id, v, true)
	return err
}

func (s *accountHandlers) enableUser(r *http.Request, id, v int64) error {
	_, err := s.Accounts.SetDisabled(r.Context(), id, v, false)
	return err
}

func (s *accountHandlers) unlockUser(r *http.Request, id, v int64) error {
	_, err := s.Accounts.Unlock(r.Context(), id, v)
	return err
}

// userResetPassword shows the one-time password on the page it answers,
// never in a URL.
func (s *accountHandlers) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v := formVersion(r)
	if err := needVersion(v); err != nil {
		return s.userFormError(w, r, err, &userPage{})
	}
	pw, err := s.Accounts.ResetPassword(r.Context(), id, v)
	if err != nil {
		return s.userFormError(w, r, err, &userPage{})
	}
	w.Header().Set("Cache-Control", "no-store") // the one-time password is on this page
	return s.renderUser(w, r, http.StatusOK, &userPage{OneTime: pw})
}

func (s *accountHandlers) userEndSession(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.EndUserSession(r.Context(), id, r.PathValue("sid")); err != nil {
		return err
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已结束该会话"), http.StatusSeeOther)
	return nil
}

// userGrantSubmit is the grant request form of an account's page: the
// role, unit and cadre asked for.
func (s *accountHandlers) userGrantSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	num := func(name string) int64 { n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64); return n }
	in := userInput{Role: sanlian.Role(r.PostFormValue("role")), UnitID: num("unit_id"), CadreID: num("cadre_id")}
	picked, err := s.desks.pickUserLinks(r, &in)
	if err != nil {
		return err
	}
	p := &userPage{Form: in, UnitText: picked.unit, CadreText: picked.cadre}
	if err := picked.err(); err != nil {
		return s.userFormError(w, r, err, p)
	}
	v := formVersion(r)
	if err := needVersion(v); err != nil {
		return s.userFormError(w, r, err, p)
	}
	g, err := s.Grants.RequestGrant(r.Context(), id, sanlian.GrantChange{Role: &in.Role, UnitID: &in.UnitID, CadreID: &in.CadreID, Version: v})
	if err != nil {
		return s.userFormError(w, r, err, p)
	}
	http.Redirect(w, r, "/users/"+strconv.FormatInt(id, 10)+"?ok="+url.QueryEscape("已提出申请（"+g.Kind.Label()+"），待另一类管理员审批"), http.StatusSeeOther)
	return nil
}

// grantsPage lists the grant requests: those waiting first, then the
// decided, newest first.
type grantsPage struct {
	basePage
	Pending []*sanlian.GrantRequest
	Decided []*sanlian.GrantRequest
	Error   string
	Fields  map[string]string
	ErrorID int64 // the request whose form was refused
}

func (s *accountHandlers) grantsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderGrants(w, r, http.StatusOK, &grantsPage{})
}

func (s *accountHandlers) renderGrants(w http.ResponseWriter, r *http.Request, status int, p *grantsPage) error {
	p.basePage = s.base(r, "授权审批", "grants")
	all, err := s.Grants.FindGrants(r.Context(), sanlian.GrantFilter{})
	if err != nil {
		return err
	}
	for _, g := range all {
		if g.State == sanlian.GrantPending {
			p.Pending = append(p.Pending, g)
		} else if len(p.Decided) < 50 {
			p.Decided = append(p.Decided, g)
		}
	}
	return s.render(w, r, status, "grants", p)
}

// grantDecision is POST /grants/{id}/approve|refuse|withdraw.
func (s *accountHandlers) grantDecision(done string, decide func(s *Server, r *http.Request, id int64, reason string) (*sanlian.GrantRequest, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		g, err := decide(s.Server, r, id, strings.TrimSpace(r.PostFormValue("reason")))
		if code := sanlian.ErrorCode(err); code == sanlian.EUNPROCESSABLE || code == sanlian.ECONFLICT || code == sanlian.EFORBIDDEN {
			return s.renderGrants(w, r, sanlian.HTTPStatus(code), &grantsPage{Error: sanlian.ErrorMessage(err), Fields: sanlian.ErrorFields(err), ErrorID: id})
		} else if err != nil {
			return err
		}
		http.Redirect(w, r, "/grants?ok="+url.QueryEscape(done+"：账号 "+g.Username+"（"+g.Kind.Label()+"）"), http.StatusSeeOther)
		return nil
	}
}

// usersExport is GET /users/export.xlsx: the accounts page's list.
func (s *accountHandlers) usersExport(w http.ResponseWriter, r *http.Request) error {
	sh := sheet{name: "账号", columns: []sanlian.TableColumn{{Header: "用户名", Width: 14}, {Header: "姓名", Width: 12}, {Header: "角色", Width: 12},
		{Header: "单位", Width: 20}, {Header: "对应干部", Width: 10}, {Header: "状态", Width: 24}, {Header: "双因素认证", Width: 10}, {Header: "创建时间", Width: 17}}}
	return exportSheet(s.Server, w, r, sh, onePage(s.Users.FindUsers(r.Context())), func(u *sanlian.User) []any {
		state := "正常"
		switch {
		case u.Pending:
			state = "待批准"
		case u.Disabled:
			state = "停用"
		case !u.LockedUntil.IsZero():
			state = "锁定至 " + u.LockedUntil.In(sanlian.Shanghai).Format("2006-01-02 15:04")
		}
		return []any{u.Username, u.DisplayName, u.Role.Label(), u.UnitName, u.CadreName, state, yesNo(u.TOTPEnabled), u.CreatedAt}
	})
}
