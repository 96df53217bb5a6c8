package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sanlian"
)

const topicSelect = `SELECT t.id, t.category, t.question, t.active, t.sort, t.version, t.created_at, t.updated_at, COALESCE(c.name, '')
	FROM topics t LEFT JOIN categories c ON c.code = t.category`

func scanTopic(sc scanner) (*sanlian.Topic, error) {
	t := &sanlian.Topic{}
	err := sc.Scan(&t.ID, &t.Category, &t.Question, &t.Active, &t.Sort, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.CategoryName)
	return t, err
}

// FindTopics implements sanlian.TopicService: open to every logged-in role.
func (db *WorkStore) FindTopics(ctx context.Context, f sanlian.TopicFilter) ([]*sanlian.Topic, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	w := &where{}
	if f.Category != "" {
		w.add("t.category = ?", f.Category)
	}
	if f.Active != nil {
		w.add("t.active = ?", *f.Active)
	}
	if f.Q != "" {
		w.add("t.question LIKE ?", "%"+f.Q+"%")
	}
	rows, err := db.query(ctx, topicSelect+w.sql()+` ORDER BY c.sort, t.category, t.sort, t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find topics: %w", err)
	}
	defer rows.Close()
	out := []*sanlian.Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FindTopicByID implements sanlian.TopicService.
func (db *WorkStore) FindTopicByID(ctx context.Context, id int64) (*sanlian.Topic, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return db.findTopic(db.reader(ctx), id)
}

func (db *WorkStore) findTopic(q querier, id int64) (*sanlian.Topic, error) {
	t, err := scanTopic(q.queryOne(topicSelect+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("调研题目")
	} else if err != nil {
		return nil, fmt.Errorf("find topic %d: %w", id, err)
	}
	return t, nil
}

func officeOnly(ctx context.Context, msg string) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden(msg)
	}
	return nil
}

func checkCategory(tx *Tx, code, field string) error {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM categories WHERE code = ?`, code).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return sanlian.FieldErrors(map[string]string{field: "领域 " + code + " 不存在"})
	}
	return nil
}

// CreateTopics implements sanlian.TopicService.
func (db *WorkStore) CreateTopics(ctx context.Context, in []sanlian.TopicInput) ([]*sanlian.Topic, error) {
	if err := officeOnly(ctx, "只有县办公室可以维护题库"); err != nil {
		return nil, err
	}
	if len(in) == 0 {
		return nil, sanlian.Errorf(sanlian.EUNPROCESSABLE, "没有要导入的题目")
	}
	if len(in) > 5000 {
		return nil, sanlian.Errorf(sanlian.EUNPROCESSABLE, "一次最多导入 5000 个题目")
	}
	for i := range in {
		if err := in[i].Validate(); err != nil {
			return nil, rowError(i, err)
		}
	}
	var out []*sanlian.Topic
	err := db.inTx(ctx, func(tx *Tx) error {
		for i, t := range in {
			if err := checkCategory(tx, t.Category, "category"); err != nil {
				return rowError(i, err)
			}
			id, err := tx.insertID(`INSERT INTO topics (category, question, sort, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				t.Category, t.Question, t.Sort, tx.now, tx.now)
			if err != nil {
				return fmt.Errorf("create topic: %w", err)
			}
			if err := tx.audit("create", "topic", id, changes{"category": {nil, t.Category}, "question": {nil, t.Question}}); err != nil {
				return err
			}
			tp, err := db.findTopic(tx, id)
			if err != nil {
				return err
			}
			out = append(out, tp)
		}
		return nil
	})
	return out, err
}

// rowError names the row of a batch in each field error: "rows.3.question".
func rowError(i int, err error) error {
	f := sanlian.ErrorFields(err)
	if f == nil {
		return err
	}
	out := map[string]string{}
	for k, v := range f {
		out[fmt.Sprintf("rows.%d.%s", i+1, k)] = v
	}
	return &sanlian.Error{Code: sanlian.ErrorCode(err), Message: fmt.Sprintf("第 %d 行有误：%s", i+1, firstValue(f)), Fields: out}
}

func firstValue(m map[string]string) string {
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return m[best]
}

// UpdateTopic implements sanlian.TopicService.
func (db *WorkStore) UpdateTopic(ctx context.Context, id int64, upd sanlian.TopicUpdate) (*sanlian.Topic, error) {
	if err := officeOnly(ctx, "只有县办公室可以维护题库"); err != nil {
		return nil, err
	}
	var out *sanlian.Topic
	err := db.inTx(ctx, func(tx *Tx) error {
		t, err := db.findTopic(tx, id)
		if err != nil {
			return err
		}
		if t.Version != upd.Version {
			return errStale("该题目")
		}
		before := *t
		in := sanlian.TopicInput{Category: t.Category, Question: t.Question, Sort: t.Sort}
		if upd.Category != nil {
			in.Category = *upd.Category
		}
		if upd.Question != nil {
			in.Question = *upd.Question
		}
		if upd.Sort != nil {
			in.Sort = *upd.Sort
		}
		active := t.Active
		if upd.Active != nil {
			active = *upd.Active
		}
		if err := in.Validate(); err != nil {
			return err
		}
		if err := checkCategory(tx, in.Category, "category"); err != nil {
			return err
		}
		res, err := tx.exec(`UPDATE topics SET category = ?, question = ?, sort = ?, active = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, in.Category, in.Question, in.Sort, active, tx.now, id, upd.Version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale("该题目")
		}
		ch := changes{}
		ch.set("category", before.Category, in.Category)
		ch.set("question", before.Question, in.Question)
		ch.set("sort", before.Sort, in.Sort)
		ch.set("active", before.Active, active)
		if err := tx.audit("update", "topic", id, ch); err != nil {
			return err
		}
		out, err = db.findTopic(tx, id)
		return err
	})
	return out, err
}
