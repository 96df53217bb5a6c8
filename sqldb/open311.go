package sqldb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"sanlian"
)

// Open311 GeoReport v2 and the office's API keys (sanlian.Open311Service).

// apiKeyPrefixLen is how much of a key the office's page shows.
const apiKeyPrefixLen = len(sanlian.APIKeyPrefix) + 6

// hashAPIKey is what the table stores of a key: its SHA-256, hex.
func hashAPIKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// newAPIKey draws a key of 160 random bits.
func newAPIKey() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("api key: %w", err)
	}
	return sanlian.APIKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// apiKeyOffice returns the acting user when they are the office.
func apiKeyOffice(ctx context.Context, what string) (*sanlian.User, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != sanlian.RoleOffice {
		return nil, errForbidden("只有县办公室可以" + what)
	}
	return u, nil
}

const apiKeySelect = `SELECT k.id, k.name, k.source, k.prefix, k.created_at, COALESCE(k.created_by, 0),
	COALESCE((SELECT display_name FROM users WHERE id = k.created_by), ''), k.revoked_at, COALESCE(k.revoked_by, 0),
	(SELECT COUNT(*) FROM open311_requests o WHERE o.api_key_id = k.id)
	FROM api_keys k`

func scanAPIKey(sc scanner) (*sanlian.APIKey, error) {
	k := &sanlian.APIKey{}
	err := sc.Scan(&k.ID, &k.Name, &k.Source, &k.Prefix, &k.CreatedAt, &k.CreatedBy, &k.CreatorName,
		timeDst{&k.RevokedAt}, &k.RevokedBy, &k.Requests)
	return k, err
}

func findAPIKey(q querier, id int64) (*sanlian.APIKey, error) {
	k, err := scanAPIKey(q.queryOne(apiKeySelect+` WHERE k.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("接口密钥")
	} else if err != nil {
		return nil, fmt.Errorf("find api key %d: %w", id, err)
	}
	return k, nil
}

// CreateAPIKey implements sanlian.Open311Service.
func (db *PublicStore) CreateAPIKey(ctx context.Context, in *sanlian.APIKeyInput) (*sanlian.IssuedAPIKey, error) {
	u, err := apiKeyOffice(ctx, "发放接口密钥")
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	secret, err := newAPIKey()
	if err != nil {
		return nil, err
	}
	out := &sanlian.IssuedAPIKey{Secret: secret}
	err = db.inTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(`INSERT INTO api_keys (name, source, prefix, key_hash, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?)`, in.Name, in.Source, secret[:apiKeyPrefixLen], hashAPIKey(secret), tx.now, nullInt(u.ID))
		if err != nil {
			return fmt.Errorf("create api key: %w", err)
		}
		ch := changes{}
		ch.set("name", "", in.Name)
		ch.set("source", "", in.Source)
		ch.set("prefix", "", secret[:apiKeyPrefixLen])
		if err := tx.audit("create", "api_key", id, ch); err != nil {
			return err
		}
		out.Key, err = findAPIKey(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindAPIKeys implements sanlian.Open311Service.
func (db *PublicStore) FindAPIKeys(ctx context.Context) ([]*sanlian.APIKey, error) {
	if _, err := apiKeyOffice(ctx, "查看接口密钥"); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, apiKeySelect+` ORDER BY k.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("find api keys: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("find api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey implements sanlian.Open311Service.
func (db *PublicStore) RevokeAPIKey(ctx context.Context, id int64) (*sanlian.APIKey, error) {
	u, err := apiKeyOffice(ctx, "停用接口密钥")
	if err != nil {
		return nil, err
	}
	var out *sanlian.APIKey
	err = db.inTx(ctx, func(tx *Tx) error {
		k, err := findAPIKey(tx, id)
		if err != nil {
			return err
		}
		if k.Revoked() {
			return sanlian.Errorf(sanlian.ECONFLICT, "接口密钥“%s”已于 %s 停用", k.Name, k.RevokedAt.In(sanlian.Shanghai).Format("2006-01-02 15:04"))
		}
		res, err := tx.exec(`UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, tx.now, nullInt(u.ID), id)
		if err != nil {
			return fmt.Errorf("revoke api key %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return sanlian.Errorf(sanlian.ECONFLICT, "接口密钥“%s”已停用", k.Name)
		}
		ch := changes{}
		ch.set("revoked", false, true)
		if err := tx.audit("revoke", "api_key", id, ch); err != nil {
			return err
		}
		out, err = findAPIKey(tx, id)
		return err
	})
	return out, err
}

// errBadAPIKey is the one answer for a missing, unknown or revoked key.
func errBadAPIKey() error {
	return sanlian.Errorf(sanlian.EFORBIDDEN, "api_key 无效或已停用，请向县办公室申请接口密钥 (invalid api_key)")
}

// VerifyAPIKey implements sanlian.Open311Service.
func (db *PublicStore) VerifyAPIKey(ctx context.Context, secret string) (*sanlian.APIKey, error) {
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, sanlian.APIKeyPrefix) || len(secret) > 100 {
		return nil, errBadAPIKey()
	}
	k, err := scanAPIKey(db.queryRow(ctx, apiKeySelect+` WHERE k.key_hash = ?`, hashAPIKey(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadAPIKey()
	} else if err != nil {
		return nil, fmt.Errorf("verify api key: %w", err)
	}
	if k.Revoked() {
		return nil, errBadAPIKey()
	}
	return k, nil
}

// Open311Jurisdiction implements sanlian.Open311Service.
func (db *PublicStore) Open311Jurisdiction(ctx context.Context) (string, error) {
	var code string
	err := db.queryRow(ctx, `SELECT code FROM regions WHERE kind = 'county' ORDER BY code LIMIT 1`).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("open311 jurisdiction: %w", err)
	}
	return code, nil
}

// notOurs is the answer for a place outside the county.
func notOurs(format string, args ...any) error {
	return sanlian.Errorf(sanlian.EINVALID, format, args...)
}

// Open311Village implements sanlian.Open311Service.
func (db *PublicStore) Open311Village(ctx context.Context, addressID, addressString string) (*sanlian.Region, error) {
	addressID = strings.TrimSpace(addressID)
	if addressID != "" {
		r := &sanlian.Region{}
		err := db.queryRow(ctx, `SELECT code, name, kind, COALESCE(parent_code, '') FROM regions WHERE code = ? AND kind = 'village'`,
			addressID).Scan(&r.Code, &r.Name, &r.Kind, &r.ParentCode)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notOurs("address_id %q 不是本县的村(社区)代码，地址不在本县 (address not ours)", clip(addressID, 20))
		} else if err != nil {
			return nil, fmt.Errorf("open311 village %q: %w", addressID, err)
		}
		return r, nil
	}
	s := squeeze(addressString)
	if s == "" {
		return nil, notOurs("请提供 address_id（村(社区)代码）或 address_string（乡镇和村名）(address required)")
	}
	// Only villages whose name is in the text are read; the township
	// decides between villages of the same name.
	rows, err := db.query(ctx, `SELECT v.code, v.name, v.kind, COALESCE(v.parent_code, ''), COALESCE(t.name, '')
		FROM regions v LEFT JOIN regions t ON t.code = v.parent_code
		WHERE v.kind = 'village' AND ? LIKE ('%' || v.name || '%') ORDER BY v.code`, s)
	if err != nil {
		return nil, fmt.Errorf("open311 villages: %w", err)
	}
	defer rows.Close()
	var full, byName []*sanlian.Region
	for rows.Next() {
		r := &sanlian.Region{}
		var township string
		if err := rows.Scan(&r.Code, &r.Name, &r.Kind, &r.ParentCode, &township); err != nil {
			return nil, err
		}
		switch {
		case strings.Contains(s, squeeze(township)+squeeze(r.Name)):
			full = append(full, r)
		case strings.Contains(s, squeeze(r.Name)):
			byName = append(byName, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case len(full) == 1:
		return full[0], nil
	case len(full) == 0 && len(byName) == 1:
		return byName[0], nil
	case len(full)+len(byName) > 1:
		return nil, notOurs("address_string 与本县多个村(社区)相符，请写明乡镇，或改用 address_id (ambiguous address)")
	}
	return nil, notOurs("address_string 中找不到本县的村(社区)，地址不在本县 (address not ours)")
}

// Open311VillageAt implements sanlian.Open311Service. The boundaries are
// read and parsed on each call: requests placed by coordinates alone are
// few, and the upload changes without notice.
func (db *PublicStore) Open311VillageAt(ctx context.Context, lat, long float64) (*sanlian.Open311Place, error) {
	var geojson string
	err := db.queryRow(ctx, `SELECT geojson FROM township_map WHERE id = 1`).Scan(&geojson)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notOurs("本平台尚未上传乡镇边界，无法仅凭坐标确定村(社区)，请同时提供 address_id 或 address_string (lat/long alone cannot place a request here)")
	} else if err != nil {
		return nil, fmt.Errorf("open311 township map: %w", err)
	}
	bounds, err := sanlian.ParseBoundaries([]byte(geojson))
	if err != nil {
		return nil, err
	}
	townships := map[string]*sanlian.Region{}
	err = eachRow(db.reader(ctx), `SELECT code, name, kind, COALESCE(parent_code, '') FROM regions WHERE kind = 'township'`, nil,
		func(sc scanner) error {
			r := &sanlian.Region{}
			err := sc.Scan(&r.Code, &r.Name, &r.Kind, &r.ParentCode)
			townships[r.Name] = r
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("open311 townships: %w", err)
	}
	ours := bounds[:0]
	for _, b := range bounds {
		if townships[b.Name] != nil {
			ours = append(ours, b)
		}
	}
	name := sanlian.BoundaryAt(ours, lat, long)
	if name == "" {
		return nil, notOurs("坐标 %.5f, %.5f 不在本县任何乡镇的边界内，地址不在本县 (location not ours)", lat, long)
	}
	place := &sanlian.Open311Place{Township: townships[name]}
	var villages []*sanlian.Region
	err = eachRow(db.reader(ctx), `SELECT code, name, kind, COALESCE(parent_code, '') FROM regions WHERE kind = 'village' AND parent_code = ?`,
		[]any{place.Township.Code}, func(sc scanner) error {
			r := &sanlian.Region{}
			err := sc.Scan(&r.Code, &r.Name, &r.Kind, &r.ParentCode)
			villages = append(villages, r)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("open311 villages of %s: %w", place.Township.Code, err)
	}
	if place.Village = sanlian.PlaceVillage(villages, ""); place.Village == nil {
		return nil, notOurs("%s 下没有村(社区)，无法仅凭坐标确定村(社区)，请提供 address_id (no village in the township)", name)
	}
	return place, nil
}

// squeeze drops spaces of every width, for matching names as people type
// them.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// clip cuts s to n characters, for echoing input in a message.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// RecordOpen311 implements sanlian.Open311Service.
func (db *PublicStore) RecordOpen311(ctx context.Context, problemID int64, x *sanlian.Open311Extra) error {
	if err := checkOpen311Extra(x, db.CountyBounds.OrDefault()); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error { return recordOpen311(tx, problemID, x) })
}

// checkOpen311Extra checks what a request carried beside the problem.
func checkOpen311Extra(x *sanlian.Open311Extra, bounds sanlian.Bounds) error {
	f := map[string]string{}
	if (x.Lat == nil) != (x.Long == nil) {
		f["lat"] = "lat 与 long 须同时提供"
	} else if x.Lat != nil && !bounds.Contains(*x.Lat, *x.Long) {
		f["lat"] = "坐标不在本县范围内"
	}
	if utf8.RuneCountInString(x.MediaURL) > sanlian.MaxMediaURL {
		f["media_url"] = "media_url 不能超过 500 字符"
	}
	if utf8.RuneCountInString(x.AddressString) > 200 {
		f["address_string"] = "address_string 不能超过 200 字"
	}
	if x.Urgency != "" && x.Urgency != sanlian.UrgencyNormal && x.Urgency != sanlian.UrgencyUrgent {
		f["urgency"] = "urgency 须为 normal 或 urgent"
	}
	return sanlian.FieldErrors(f)
}

// recordOpen311 keeps x beside problem problemID inside tx: in the
// transaction that enters a posted request, or on its own.
func recordOpen311(tx *Tx, problemID int64, x *sanlian.Open311Extra) error {
	var state, urgency string
	err := tx.queryRow(`SELECT state, urgency FROM problems WHERE id = ?`, problemID).Scan(&state, &urgency)
	if errors.Is(err, sql.ErrNoRows) {
		return errNotFound("问题")
	} else if err != nil {
		return fmt.Errorf("record open311 %d: %w", problemID, err)
	}
	_, err = tx.exec(`INSERT INTO open311_requests (problem_id, api_key_id, lat, lng, address_string, media_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, problemID, x.KeyID, floatArg(x.Lat), floatArg(x.Long), x.AddressString, x.MediaURL, tx.now)
	if err != nil {
		return fmt.Errorf("record open311 %d: %w", problemID, err)
	}
	ch := changes{}
	ch.set("api_key_id", "", x.KeyID)
	if x.Lat != nil {
		ch.set("lat", "", *x.Lat)
		ch.set("long", "", *x.Long)
	}
	ch.set("media_url", "", x.MediaURL)
	if x.Urgency != "" && x.Urgency != urgency && state == sanlian.StateSubmitted {
		// Deadlines are set on assignment, so a submitted problem
		// takes a new urgency without any deadline to move.
		if _, err := tx.exec(`UPDATE problems SET urgency = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			x.Urgency, tx.now, problemID); err != nil {
			return fmt.Errorf("record open311 %d urgency: %w", problemID, err)
		}
		ch.set("urgency", urgency, x.Urgency)
	}
	return tx.audit("open311", "problem", problemID, ch)
}

func floatArg(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// open311Select reads a problem's public fields; no reporter, no phone.
const open311Select = `SELECT p.id, p.state, p.category, COALESCE(c.name, p.category), p.description,
	COALESCE(u.name, ''), p.created_at, p.updated_at, p.resolve_due, p.result, p.reject_reason,
	COALESCE(t.name, ''), COALESCE(v.name, ''), p.village_code, o.lat, o.lng, COALESCE(o.media_url, '')
	FROM problems p
	LEFT JOIN categories c ON c.code = p.category
	LEFT JOIN units u ON u.id = p.unit_id
	LEFT JOIN regions v ON v.code = p.village_code
	LEFT JOIN regions t ON t.code = p.township_code
	LEFT JOIN open311_requests o ON o.problem_id = p.id`

func scanOpen311(sc scanner) (*sanlian.Open311Request, error) {
	r := &sanlian.Open311Request{}
	var result, reason, township, village string
	var lat, lng sql.NullFloat64
	err := sc.Scan(&r.ID, &r.State, &r.ServiceCode, &r.ServiceName, &r.Description, &r.AgencyResponsible,
		&r.RequestedAt, &r.UpdatedAt, timeDst{&r.ExpectedAt}, &result, &reason, &township, &village, &r.AddressID,
		&lat, &lng, &r.MediaURL)
	if err != nil {
		return nil, err
	}
	r.Status = sanlian.Open311Status(r.State)
	r.Description = sanlian.AnonymizeText(r.Description)
	r.Address = township + village
	r.StatusNotes = sanlian.StateLabel(r.State)
	switch {
	case r.State == sanlian.StateRejected && reason != "":
		r.StatusNotes += "：" + sanlian.AnonymizeText(reason)
	case (r.State == sanlian.StateResolved || r.State == sanlian.StateClosed) && result != "":
		r.StatusNotes += "：" + sanlian.AnonymizeText(result)
	}
	if lat.Valid && lng.Valid {
		r.Lat, r.Long = &lat.Float64, &lng.Float64
	}
	return r, nil
}

// FindOpen311Requests implements sanlian.Open311Service. It reads as the
// public: every problem but merged ones, and only public fields.
func (db *PublicStore) FindOpen311Requests(ctx context.Context, f sanlian.Open311Filter) ([]*sanlian.Open311Request, error) {
	w := &where{}
	w.add("p.state <> 'merged'")
	limit := f.Limit
	if limit <= 0 || limit > sanlian.Open311MaxRequests {
		limit = sanlian.Open311MaxRequests
	}
	if len(f.IDs) > 0 {
		if len(f.IDs) > sanlian.Open311MaxRequests {
			return nil, sanlian.Errorf(sanlian.EINVALID, "service_request_id 一次最多 %d 个", sanlian.Open311MaxRequests)
		}
		w.add(inList("p.id", len(f.IDs)), int64s(f.IDs)...)
	} else {
		// The API's 90-day limit (sanlian.Open311Range) is the web
		// layer's; the county's own callers may read longer ranges.
		start, end := sanlian.Open311Window(f.Start, f.End, db.Now())
		if !start.Before(end) {
			return nil, sanlian.Errorf(sanlian.EINVALID, "start_date 须早于 end_date")
		}
		w.add("p.created_at >= ? AND p.created_at < ?", start.UTC(), end.UTC())
		if len(f.ServiceCodes) > 0 {
			w.add(inList("p.category", len(f.ServiceCodes)), strArgs(f.ServiceCodes)...)
		}
		open, closed := false, false
		for _, s := range f.Statuses {
			switch s {
			case sanlian.Open311Open:
				open = true
			case sanlian.Open311Closed:
				closed = true
			default:
				return nil, sanlian.Errorf(sanlian.EINVALID, "status 须为 open 或 closed")
			}
		}
		switch {
		case open && !closed:
			w.add("p.state IN ('submitted', 'assigned', 'accepted')")
		case closed && !open:
			w.add("p.state NOT IN ('submitted', 'assigned', 'accepted')")
		}
	}
	rows, err := db.query(ctx, open311Select+w.sql()+fmt.Sprintf(` ORDER BY p.created_at DESC, p.id DESC LIMIT %d`, limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Open311Request{}
	for rows.Next() {
		r, err := scanOpen311(rows)
		if err != nil {
			return nil, fmt.Errorf("find open311 requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Open311RequestByToken implements sanlian.Open311Service: the token is
// the tracking code; a problem merged since answers the one it went into.
func (db *PublicStore) Open311RequestByToken(ctx context.Context, token string) (int64, error) {
	code := sanlian.NormalizeTrackingCode(token)
	if code == "" {
		return 0, sanlian.Errorf(sanlian.ENOTFOUND, "token 不存在 (token not found)")
	}
	var id int64
	err := db.queryRow(ctx, `SELECT COALESCE(merged_into, id) FROM problems WHERE tracking_code = ?`, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, sanlian.Errorf(sanlian.ENOTFOUND, "token 不存在 (token not found)")
	} else if err != nil {
		return 0, fmt.Errorf("open311 token: %w", err)
	}
	return id, nil
}

var _ sanlian.Open311Service = (*PublicStore)(nil)

// FindCategories lists the categories, the services Open311 offers; they are
// the ledger's (ProblemStore.FindCategories).
func (db *PublicStore) FindCategories(ctx context.Context, all bool) ([]*sanlian.Category, error) {
	return db.Problems.FindCategories(ctx, all)
}
