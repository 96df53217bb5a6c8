package sqldb

import (
	"fmt"
	"time"

	"sanlian"
)

// The notices of criticism: a published bulletin tells each criticised
// unit's admins, and queues unit_criticised, in its own transaction; the
// daily job reminds them of a self-criticism soon due and not filed.

// selfCriticismSrc is the source query of notices about the
// self-criticisms matching cond (columns as noticeSrc wants): the title
// names the bulletin, the body the unit, the reason and bodySuffix.
func selfCriticismSrc(titlePrefix, bodySuffix, dkeyPrefix, cond string, args ...any) (string, []any) {
	q := `SELECT s.id AS tid, s.unit_id AS unit_id, CAST(NULL AS BIGINT) AS person_id, CAST(NULL AS TEXT) AS township,
		CAST(? AS TEXT) || '〔' || CAST(b.year AS TEXT) || '〕第' || CAST(b.number AS TEXT) || '期督查通报' AS title,
		COALESCE((SELECT name FROM units WHERE id = s.unit_id), '') || '：' || s.reason || CAST(? AS TEXT) AS body,
		'/self-criticisms?period=' || b.period AS link, CAST(? AS TEXT) || CAST(s.id AS TEXT) AS dkey
		FROM self_criticisms s JOIN bulletins b ON b.id = s.bulletin_id WHERE ` + cond
	return q, append([]any{titlePrefix, bodySuffix, dkeyPrefix}, args...)
}

// unitsCriticised tells the admins of each unit a just-published bulletin
// criticises, naming the self-criticism's due date, and queues
// unit_criticised for each.
func unitsCriticised(tx *Tx, bulletinID int64, due time.Time) error {
	q, args := selfCriticismSrc("通报批评：", "。请于 "+sanlian.DeadlineDate(due)+" 前提交书面检讨", "criticised:", "s.bulletin_id = ?", bulletinID)
	if _, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeCriticised, targetKind: "self_criticism", query: q, args: args,
		admins: true}); err != nil {
		return err
	}
	if ok, err := subscribed(tx, sanlian.EventUnitCriticised); err != nil || !ok {
		return err
	}
	rows, err := tx.query(`SELECT s.id, b.year, b.number, b.period, COALESCE(u.name, ''), s.reason, s.due_at
		FROM self_criticisms s JOIN bulletins b ON b.id = s.bulletin_id LEFT JOIN units u ON u.id = s.unit_id
		WHERE s.bulletin_id = ? ORDER BY s.id`, bulletinID)
	if err != nil {
		return fmt.Errorf("criticised units: %w", err)
	}
	type crit struct {
		id int64
		pl sanlian.Payload
	}
	var list []crit
	for rows.Next() {
		var c crit
		var year, number int
		var period string
		var due time.Time
		if err := rows.Scan(&c.id, &year, &number, &period, &c.pl.Unit, &c.pl.Text, &due); err != nil {
			rows.Close()
			return fmt.Errorf("criticised units: %w", err)
		}
		c.pl.Title = "单位被通报批评"
		c.pl.Number = fmt.Sprintf("〔%d〕第%d期", year, number)
		c.pl.Subject = c.pl.Number + "督查通报"
		c.pl.Deadline = sanlian.DeadlineDate(due)
		c.pl.Link = "/bulletins/" + period
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("criticised units: %w", err)
	}
	for _, c := range list {
		if err := enqueue(tx, sanlian.EventUnitCriticised, c.pl, fmt.Sprintf("criticised:%d", c.id)); err != nil {
			return err
		}
	}
	return nil
}

// selfCriticismsDueSoon reminds the admins of each unit whose
// self-criticism is due within 2 working days of the day starting at at
// (before 24:00 of the second working day after it) and not yet filed or
// past due; once per self-criticism.
func selfCriticismsDueSoon(tx *Tx, at time.Time) (int64, error) {
	cal, err := tx.db.calendarIn(tx)
	if err != nil {
		return 0, err
	}
	until := cal.Deadline(at, 2)
	type owed struct {
		id  int64
		due time.Time
	}
	var list []owed
	err = eachRow(tx, `SELECT id, due_at FROM self_criticisms WHERE filed_at IS NULL AND due_at > ? AND due_at <= ? ORDER BY id`,
		[]any{at.UTC(), until.UTC()}, func(sc scanner) error {
			var o owed
			err := sc.Scan(&o.id, timeDst{&o.due})
			list = append(list, o)
			return err
		})
	if err != nil {
		return 0, fmt.Errorf("self-criticisms due: %w", err)
	}
	var n int64
	for _, o := range list {
		q, args := selfCriticismSrc("书面检讨将到期：", "。书面检讨须于 "+sanlian.DeadlineDate(o.due)+" 前提交，尚未提交",
			"self_criticism_due:", "s.id = ?", o.id)
		k, err := writeNotices(tx, noticeSrc{kind: sanlian.NoticeSelfCritDue, targetKind: "self_criticism", query: q, args: args, admins: true})
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}
