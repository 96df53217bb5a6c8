package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sanlian"
)

// DefaultBulletins is how many half-month bulletins the demo publishes.
const DefaultBulletins = 6

// BulletinOptions shape the demo bulletins.
type BulletinOptions struct {
	Bulletins int       // the last ended half-months to publish; 0 is DefaultBulletins
	Today     time.Time // the day the demo is loaded
}

// BulletinSummary says what LoadBulletins did.
type BulletinSummary struct {
	Published, Commended, Criticised int
	First, Last                      string // numbers of the first and last bulletin
}

func (s BulletinSummary) String() string {
	return fmt.Sprintf("半月督查通报 %d 期（%s 至 %s），通报表扬 %d 个单位次、通报批评 %d 个单位次",
		s.Published, s.First, s.Last, s.Commended, s.Criticised)
}

// LoadBulletins sets the office's rules for the demo county and publishes the half-month bulletins of the last ended
// periods, oldest first, each two days after its period ends, as the
// county office does: the draft computed from the ledger, a commentary
// written from its own figures, then publication, which numbers it and
// asks the criticised units for self-criticisms. Call it after the
// ledger is loaded.
func LoadBulletins(ctx context.Context, svc sanlian.BulletinService, metrics sanlian.MetricsService, setNow func(time.Time),
	c *sanlian.County, opt BulletinOptions) (BulletinSummary, error) {
	var sum BulletinSummary
	if opt.Bulletins <= 0 {
		opt.Bulletins = DefaultBulletins
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	lc, err := indexCounty(c)
	if err != nil {
		return sum, err
	}
	if lc.office == nil || lc.office.ID == 0 {
		return sum, fmt.Errorf("demo bulletins: the county has no office account")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)

	// The half-months that have ended, the latest last, published two days
	// after their end: only those whose publication day is past.
	var periods []sanlian.Period
	p := sanlian.PeriodOf(opt.Today.In(sanlian.Shanghai), sanlian.PeriodHalf)
	for len(periods) < opt.Bulletins {
		p = sanlian.PeriodOf(p.Start.Add(-time.Hour), sanlian.PeriodHalf)
		if p.End.AddDate(0, 0, 2).After(opt.Today) {
			continue
		}
		periods = append([]sanlian.Period{p}, periods...)
	}
	// A county's units each get a handful of problems a half-month, so the
	// office commends from 2 assigned rather than SPEC's 5, and criticises
	// from 4 overdue: the rules are the office's to set.
	setNow(periods[0].Start.AddDate(0, 0, -1))
	cfg := sanlian.DefaultMetricConfig()
	cfg.From = periods[0].ID
	cfg.Rules.CommendMinAssigned, cfg.Rules.CommendMinScore, cfg.Rules.CriticiseOverdue = 2, 90, 4
	if err := metrics.SaveMetricConfig(office, &cfg); err != nil {
		return sum, fmt.Errorf("demo bulletins: configuration: %w", err)
	}
	for _, p := range periods {
		setNow(p.End.AddDate(0, 0, 2).Add(9*time.Hour + 30*time.Minute))
		b, err := svc.GenerateBulletin(office, p.ID)
		if err != nil {
			return sum, fmt.Errorf("demo bulletin %s: %w", p.ID, err)
		}
		b, err = svc.SaveBulletin(office, p.ID, commentary(b.Content), nil, b.Version)
		if err != nil {
			return sum, fmt.Errorf("demo bulletin %s: %w", p.ID, err)
		}
		b, err = svc.PublishBulletin(office, p.ID, b.Version)
		if err != nil {
			return sum, fmt.Errorf("demo bulletin %s: publish: %w", p.ID, err)
		}
		sum.Published++
		sum.Commended += len(b.Content.Commended)
		sum.Criticised += len(b.Content.Criticised)
		if sum.First == "" {
			sum.First = b.NumberLabel()
		}
		sum.Last = b.NumberLabel()
	}
	return sum, nil
}

// commentary is the office's few lines on a bulletin, from its figures.
func commentary(c *sanlian.BulletinContent) string {
	o := c.Overview
	var b strings.Builder
	fmt.Fprintf(&b, "本期全县新收集群众反映问题 %d 件，交办 %d 件，办结 %d 件，销号 %d 件；响应率 %s，解决率 %s，满意率 %s。",
		o.Collected, o.Assigned, o.Resolved, o.Closed, o.ResponseRate.Percent(), o.ResolutionRate.Percent(), o.SatisfactionRate.Percent())
	if o.Overdue > 0 {
		fmt.Fprintf(&b, "截至本期末仍有 %d 件问题超期未办结，请相关单位对照清单逐件销号，县领导小组办公室将持续跟踪督办。", o.Overdue)
	} else {
		b.WriteString("本期无超期未办结问题。")
	}
	if len(c.Criticised) > 0 {
		b.WriteString("被通报批评的单位须在规定期限内提交书面检讨，并认真整改。")
	}
	return b.String()
}
