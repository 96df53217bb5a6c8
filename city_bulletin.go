package sanlian

import "time"

// CountyBulletin is one county's half-month bulletin as the city (or
// province) office reads it: its number, its figures, the units it ranks,
// commends and criticises, and the self-criticisms still owed. It never
// carries a problem's title or anything about a person: the longest-
// overdue problems are only counted.
type CountyBulletin struct {
	Code, Name string
	// Published is false when the county has not published the period's
	// bulletin (a draft is the county office's own and is not shown).
	Published          bool
	Number             string // 〔2026〕第22期
	Title              string
	PeriodLabel        string
	PublishedAt        time.Time
	Overview           BulletinOverview
	Units              []BulletinRow // ranked, then those not ranked
	Commended          []BulletinUnit
	Criticised         []BulletinUnit
	SelfCriticismsOwed []BulletinSelfCriticism
	OverdueProblems    int // how many the county's bulletin lists
	Activities         ActivityTotal
	// Error is set, in Chinese, when the county could not be read.
	Error string
}

// CountyBulletinOf is what the city sees of b, a county's bulletin; b nil
// or not published gives a row that says only that.
func CountyBulletinOf(code, name string, b *Bulletin) CountyBulletin {
	out := CountyBulletin{Code: code, Name: name}
	if b == nil || !b.Published() || b.Content == nil {
		return out
	}
	c := b.Content
	out.Published = true
	out.Number, out.Title, out.PeriodLabel = b.NumberLabel(), b.Title(), b.PeriodLabel()
	if b.PublishedAt != nil {
		out.PublishedAt = *b.PublishedAt
	}
	out.Overview = c.Overview
	out.Units = append(c.Ranked(), c.NotRanked()...)
	out.Commended, out.Criticised = c.Commended, c.Criticised
	out.SelfCriticismsOwed = c.SelfCriticisms
	out.OverdueProblems = len(c.Overdue)
	out.Activities = c.Activities
	return out
}
