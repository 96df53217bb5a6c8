package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sanlian"
)

const grantSelect = `SELECT g.id, g.user_id, COALESCE(t.username, ''), g.kind, g.role, COALESCE(g.unit_id, 0), COALESCE(g.cadre_id, 0),
	g.old_role, COALESCE(g.old_unit_id, 0), COALESCE(g.old_cadre_id, 0), g.user_version, g.state,
	COALESCE(g.requested_by, 0), COALESCE(r.username, ''), g.requester_role, g.requested_at,
	COALESCE(g.decided_by, 0), COALESCE(d.username, ''), g.decided_at, g.reason, g.version,
	COALESCE((SELECT name FROM units WHERE units.id = g.unit_id), ''), COALESCE((SELECT name FROM cadres WHERE cadres.id = g.cadre_id), '')
	FROM grant_requests g JOIN users t ON t.id = g.user_id LEFT JOIN users r ON r.id = g.requested_by LEFT JOIN users d ON d.id = g.decided_by`

func scanGrant(sc scanner) (*sanlian.GrantRequest, error) {
	g := &sanlian.GrantRequest{}
	var kind, role, oldRole, reqRole string
	var decided sql.NullTime
	if err := sc.Scan(&g.ID, &g.UserID, &g.Username, &kind, &role, &g.UnitID, &g.CadreID, &oldRole, &g.OldUnitID, &g.OldCadreID,
		&g.UserVersion, &g.State, &g.RequestedBy, &g.RequesterName, &reqRole, &g.RequestedAt,
		&g.DecidedBy, &g.DeciderName, &decided, &g.Reason, &g.Version, &g.UnitName, &g.CadreName); err != nil {
		return nil, err
	}
	g.Kind, g.Role, g.OldRole, g.RequesterRole = sanlian.GrantKind(kind), sanlian.Role(role), sanlian.Role(oldRole), sanlian.Role(reqRole)
	if decided.Valid {
		g.DecidedAt = decided.Time
	}
	return g, nil
}

// insertGrant writes a pending request by actor and audits it.
func insertGrant(tx *Tx, g *sanlian.GrantRequest, actor *sanlian.User) (*sanlian.GrantRequest, error) {
	id, err := tx.insertID(`INSERT INTO grant_requests (user_id, kind, role, unit_id, cadre_id, old_role, old_unit_id, old_cadre_id,
		user_version, state, requested_by, requester_role, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.UserID, string(g.Kind), string(g.Role), nullInt(g.UnitID), nullInt(g.CadreID), string(g.OldRole), nullInt(g.OldUnitID),
		nullInt(g.OldCadreID), g.UserVersion, sanlian.GrantPending, nullInt(actor.ID), string(actor.Role), tx.now)
	if errors.Is(err, errUnique) {
		return nil, sanlian.Errorf(sanlian.ECONFLICT, "该账号已有一项待审批的授权申请，请先审批或撤回")
	} else if err != nil {
		return nil, fmt.Errorf("request grant for user %d: %w", g.UserID, err)
	}
	ch := changes{"user_id": {nil, g.UserID}, "kind": {nil, g.Kind}, "role": {g.OldRole, g.Role},
		"unit_id": {g.OldUnitID, g.UnitID}, "cadre_id": {g.OldCadreID, g.CadreID}}
	if err := tx.audit("grant_request", "grant", id, ch); err != nil {
		return nil, err
	}
	return findGrant(tx, id)
}

func findGrant(tx *Tx, id int64) (*sanlian.GrantRequest, error) {
	q := grantSelect + ` WHERE g.id = ?`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE OF g`
	}
	g, err := scanGrant(tx.queryRow(q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("授权申请")
	} else if err != nil {
		return nil, fmt.Errorf("find grant %d: %w", id, err)
	}
	return g, nil
}

// RequestGrant implements sanlian.GrantService.
func (db *AccountStore) RequestGrant(ctx context.Context, userID int64, ch sanlian.GrantChange) (*sanlian.GrantRequest, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := sanlian.MayRequestGrant(actor.Role); err != nil {
		return nil, err
	}
	if ch.Version <= 0 {
		return nil, sanlian.FieldErrors(map[string]string{"version": "请提供所修改账号的 version，以免覆盖他人的修改"})
	}
	var out *sanlian.GrantRequest
	err = db.inTx(ctx, func(tx *Tx) error {
		u, err := findUser(tx, userID)
		if err != nil {
			return err
		}
		if u.Version != ch.Version {
			return errStale("该账号")
		}
		if u.Pending {
			return sanlian.Errorf(sanlian.ECONFLICT, "该账号的新建申请尚未批准，批准后才能再申请变更")
		}
		next := *u
		if ch.Role != nil {
			next.Role = *ch.Role
		}
		if ch.UnitID != nil {
			next.UnitID = *ch.UnitID
		}
		if ch.CadreID != nil {
			next.CadreID = *ch.CadreID
		}
		if err := next.Validate(); err != nil {
			return err
		}
		kind := sanlian.GrantKindOf(u, &next)
		if kind == "" {
			return sanlian.FieldErrors(map[string]string{"role": "角色、单位和对应干部都没有变化，无需申请"})
		}
		if next.UnitID != 0 && next.UnitID != u.UnitID {
			if err := exists(tx, "units", next.UnitID, "unit_id", "单位不存在"); err != nil {
				return err
			}
		}
		if next.CadreID != 0 && next.CadreID != u.CadreID {
			if err := exists(tx, "cadres", next.CadreID, "cadre_id", "干部不存在"); err != nil {
				return err
			}
		}
		out, err = insertGrant(tx, &sanlian.GrantRequest{UserID: u.ID, Kind: kind, Role: next.Role, UnitID: next.UnitID, CadreID: next.CadreID,
			OldRole: u.Role, OldUnitID: u.UnitID, OldCadreID: u.CadreID, UserVersion: u.Version}, actor)
		return err
	})
	return out, err
}

// FindGrants implements sanlian.GrantService.
func (db *AccountStore) FindGrants(ctx context.Context, f sanlian.GrantFilter) ([]*sanlian.GrantRequest, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if actor.Role != sanlian.RoleSysadmin && actor.Role != sanlian.RoleSecadmin && !isSystem(actor) {
		return nil, errForbidden("只有系统管理员和安全管理员可以查看授权申请")
	}
	w := &where{}
	if f.State != "" {
		w.add("g.state = ?", f.State)
	}
	if f.UserID != 0 {
		w.add("g.user_id = ?", f.UserID)
	}
	rows, err := db.query(ctx, grantSelect+w.sql()+` ORDER BY g.id DESC LIMIT 500`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find grants: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.GrantRequest{}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// decideGrant is the frame of a decision on request id: the request
// and, for an approval, its account read and locked, the rule checked,
// then apply, in one transaction.
func (db *AccountStore) decideGrant(ctx context.Context, id int64, check func(*sanlian.GrantRequest, *sanlian.User) error,
	apply func(tx *Tx, g *sanlian.GrantRequest) error) (*sanlian.GrantRequest, error) {
	actor, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	var out *sanlian.GrantRequest
	err = db.inTx(ctx, func(tx *Tx) error {
		g, err := findGrant(tx, id)
		if err != nil {
			return err
		}
		if err := check(g, actor); err != nil {
			return err
		}
		if err := apply(tx, g); err != nil {
			return err
		}
		out, err = findGrant(tx, id)
		return err
	})
	return out, err
}

// setGrantState records the decision on a pending request.
func setGrantState(tx *Tx, g *sanlian.GrantRequest, state, reason string) error {
	actor := sanlian.UserFromContext(tx.ctx)
	res, err := tx.exec(`UPDATE grant_requests SET state = ?, decided_by = ?, decided_at = ?, reason = ?, version = version + 1
		WHERE id = ? AND state = ?`, state, nullInt(actor.ID), tx.now, reason, g.ID, sanlian.GrantPending)
	if err != nil {
		return fmt.Errorf("decide grant %d: %w", g.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sanlian.Errorf(sanlian.ECONFLICT, "该申请已被他人处理，请刷新后查看")
	}
	return nil
}

// ApproveGrant implements sanlian.GrantService.
func (db *AccountStore) ApproveGrant(ctx context.Context, id int64, reason string) (*sanlian.GrantRequest, error) {
	reason = strings.TrimSpace(reason)
	if err := sanlian.CheckText("reason", "理由", reason, true); err != nil {
		return nil, err
	}
	return db.decideGrant(ctx, id, sanlian.MayDecide, func(tx *Tx, g *sanlian.GrantRequest) error {
		u, err := findUser(tx, g.UserID)
		if err != nil {
			return err
		}
		if u.Version != g.UserVersion {
			return sanlian.Errorf(sanlian.ECONFLICT, "账号 %s 在申请提出后已被修改，不能按原申请批准：请拒绝此申请，由申请人重新提出", u.Username)
		}
		ch := changes{}
		if g.Kind == sanlian.GrantCreate {
			_, err = tx.exec(`UPDATE users SET pending = ?, disabled = ?, version = version + 1, updated_at = ? WHERE id = ?`,
				false, false, tx.now, u.ID)
			ch["pending"] = [2]any{true, false}
			ch["disabled"] = [2]any{u.Disabled, false}
		} else {
			_, err = tx.exec(`UPDATE users SET role = ?, unit_id = ?, cadre_id = ?, version = version + 1, updated_at = ? WHERE id = ?`,
				string(g.Role), nullInt(g.UnitID), nullInt(g.CadreID), tx.now, u.ID)
			ch.set("role", u.Role, g.Role)
			ch.set("unit_id", u.UnitID, g.UnitID)
			ch.set("cadre_id", u.CadreID, g.CadreID)
		}
		if err != nil {
			return fmt.Errorf("apply grant %d: %w", g.ID, err)
		}
		n, err := endSessions(tx, u.ID)
		if err != nil {
			return err
		}
		if err := setGrantState(tx, g, sanlian.GrantApproved, reason); err != nil {
			return err
		}
		ch["grant_id"] = [2]any{nil, g.ID}
		ch["sessions_ended"] = [2]any{nil, n}
		if err := tx.audit("grant_apply", "user", u.ID, ch); err != nil {
			return err
		}
		return tx.audit("grant_approve", "grant", g.ID, changes{"state": {sanlian.GrantPending, sanlian.GrantApproved}, "reason": {nil, reason}})
	})
}

// RefuseGrant implements sanlian.GrantService.
func (db *AccountStore) RefuseGrant(ctx context.Context, id int64, reason string) (*sanlian.GrantRequest, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, sanlian.FieldErrors(map[string]string{"reason": "请填写拒绝理由"})
	}
	if err := sanlian.CheckText("reason", "理由", reason, true); err != nil {
		return nil, err
	}
	return db.decideGrant(ctx, id, sanlian.MayDecide, func(tx *Tx, g *sanlian.GrantRequest) error {
		if err := setGrantState(tx, g, sanlian.GrantRefused, reason); err != nil {
			return err
		}
		return tx.audit("grant_refuse", "grant", g.ID, changes{"state": {sanlian.GrantPending, sanlian.GrantRefused}, "reason": {nil, reason}})
	})
}

// WithdrawGrant implements sanlian.GrantService.
func (db *AccountStore) WithdrawGrant(ctx context.Context, id int64) (*sanlian.GrantRequest, error) {
	return db.decideGrant(ctx, id, sanlian.MayWithdraw, func(tx *Tx, g *sanlian.GrantRequest) error {
		if err := setGrantState(tx, g, sanlian.GrantWithdrawn, ""); err != nil {
			return err
		}
		return tx.audit("grant_withdraw", "grant", g.ID, changes{"state": {sanlian.GrantPending, sanlian.GrantWithdrawn}})
	})
}

var _ sanlian.GrantService = (*AccountStore)(nil)
