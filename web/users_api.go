package web

import (
	"net/http"

	"sanlian"
)

// The accounts and grants API (三权分立): who may call each route is in
// policy.go; what each caller may do to which account is the services'.

func (s *accountHandlers) apiUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Users.FindUsers(r.Context())
	if err != nil {
		return err
	}
	writeList(w, users, "")
	return nil
}

type userInput struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Role        sanlian.Role `json:"role"`
	UnitID      int64        `json:"unit_id"`
	CadreID     int64        `json:"cadre_id"`
	Password    string       `json:"password"`
}

func (s *accountHandlers) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u := &sanlian.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, UnitID: in.UnitID, CadreID: in.CadreID}
	if err := s.Users.CreateUser(r.Context(), u, in.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *accountHandlers) apiUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Accounts.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// versionInput is the body of an account action: the account's version.
type versionInput struct {
	Version int64 `json:"version"`
}

// accountAction reads {id} and the body's version for an account action.
func accountAction(w http.ResponseWriter, r *http.Request) (int64, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	var in versionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return 0, 0, err
	}
	if err := needVersion(in.Version); err != nil {
		return 0, 0, err
	}
	return id, in.Version, nil
}

// apiResetPassword answers the one-time password, once: it is not stored
// in clear anywhere.
func (s *accountHandlers) apiResetPassword(w http.ResponseWriter, r *http.Request) error {
	id, version, err := accountAction(w, r)
	if err != nil {
		return err
	}
	pw, err := s.Accounts.ResetPassword(r.Context(), id, version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"one_time_password": pw, "must_change_password": true})
	return nil
}

func (s *accountHandlers) apiSetDisabled(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, version, err := accountAction(w, r)
		if err != nil {
			return err
		}
		u, err := s.Accounts.SetDisabled(r.Context(), id, version, disabled)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, u)
		return nil
	}
}

func (s *accountHandlers) apiUnlock(w http.ResponseWriter, r *http.Request) error {
	id, version, err := accountAction(w, r)
	if err != nil {
		return err
	}
	u, err := s.Accounts.Unlock(r.Context(), id, version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *accountHandlers) apiUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ss, err := s.Accounts.FindUserSessions(r.Context(), id)
	if err != nil {
		return err
	}
	writeList(w, ss, "")
	return nil
}

func (s *accountHandlers) apiEndUserSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.EndUserSession(r.Context(), id, r.PathValue("sid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *accountHandlers) apiGrants(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := sanlian.GrantFilter{State: p.oneOf("state", sanlian.GrantStates...), UserID: p.int64("user_id")}
	if err := p.err(); err != nil {
		return err
	}
	gs, err := s.Grants.FindGrants(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, gs, "")
	return nil
}

// grantInput is POST /api/v1/grants: the account, the values asked for
// (each absent when kept) and the account's version.
type grantInput struct {
	UserID int64 `json:"user_id"`
	sanlian.GrantChange
}

func (s *accountHandlers) apiRequestGrant(w http.ResponseWriter, r *http.Request) error {
	var in grantInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.UserID <= 0 {
		return sanlian.FieldErrors(map[string]string{"user_id": "请指定账号"})
	}
	if err := needVersion(in.Version); err != nil {
		return err
	}
	g, err := s.Grants.RequestGrant(r.Context(), in.UserID, in.GrantChange)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

// decisionInput is the body of approve and refuse.
type decisionInput struct {
	Reason string `json:"reason"`
}

func (s *accountHandlers) apiDecideGrant(decide func(s *Server, r *http.Request, id int64, reason string) (*sanlian.GrantRequest, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in decisionInput
		if r.ContentLength != 0 { // withdraw needs no body
			if err := decodeJSON(w, r, &in); err != nil {
				return err
			}
		}
		g, err := decide(s.Server, r, id, in.Reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, g)
		return nil
	}
}

func approveGrant(s *Server, r *http.Request, id int64, reason string) (*sanlian.GrantRequest, error) {
	return s.Grants.ApproveGrant(r.Context(), id, reason)
}

func refuseGrant(s *Server, r *http.Request, id int64, reason string) (*sanlian.GrantRequest, error) {
	return s.Grants.RefuseGrant(r.Context(), id, reason)
}

func withdrawGrant(s *Server, r *http.Request, id int64, _ string) (*sanlian.GrantRequest, error) {
	return s.Grants.WithdrawGrant(r.Context(), id)
}
