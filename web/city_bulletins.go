package web

import (
	"context"
	"net/http"
	"sync"
	"time"

	"sanlian"
)

// The counties' half-month bulletins as the city office reads them: for a
// period, which counties have published theirs, with its figures and the
// units it commends and criticises; and one county's published bulletin
// on its own page. Drafts stay the county office's, and no page names a
// problem or a person (sanlian.CountyBulletinOf).

// eachCounty calls fn for every county, Parallel at a time, and waits.
func (s *CityServer) eachCounty(cs []CityCounty, fn func(i int, c CityCounty)) {
	sem := make(chan struct{}, s.cfg.Parallel)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fn(i, c)
		}()
	}
	wg.Wait()
}

// countyBulletin reads one county's bulletin of period as the city sees it.
func (s *CityServer) countyBulletin(ctx context.Context, c CityCounty, period string) sanlian.CountyBulletin {
	if c.Bulletins == nil {
		return sanlian.CountyBulletinOf(c.Code, c.Name, nil)
	}
	b, err := c.Bulletins.FindBulletin(sanlian.NewSystemContext(ctx), period)
	if err != nil && sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
		s.cfg.Log.Error("city bulletin", "county", c.Code, "period", period, "err", err)
		row := sanlian.CountyBulletinOf(c.Code, c.Name, nil)
		row.Error = "该县数据暂时无法读取"
		return row
	}
	return sanlian.CountyBulletinOf(c.Code, c.Name, b)
}

type cityBulletinsPage struct {
	cityPage
	Period, PeriodLabel, Error string
	Picker                     periodPicker
	Rows                       []sanlian.CountyBulletin
	Published                  int
	Millis                     int64
}

// bulletins is GET /bulletins?period=: every county's bulletin of a
// half-month (default the last one that has ended).
func (s *CityServer) bulletins(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	page := cityBulletinsPage{cityPage: s.base(r, "各县通报")}
	cur := sanlian.PeriodOf(s.cfg.Now(), sanlian.PeriodHalf)
	p, pick, msg := s.period(r, cityBulletinsPeriod, sanlian.PeriodOf(cur.Start.Add(-time.Hour), sanlian.PeriodHalf))
	page.Picker = pick
	if msg != "" {
		page.Error = msg
		s.render(w, http.StatusBadRequest, "bulletins", page)
		return
	}
	page.Period, page.PeriodLabel = p.ID, p.Label()
	cs, err := s.cfg.Counties(r.Context())
	if err != nil {
		s.cfg.Log.Error("city bulletins", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "内部错误", "各县数据暂时无法读取，请稍后再试。")
		return
	}
	page.Rows = make([]sanlian.CountyBulletin, len(cs))
	s.eachCounty(cs, func(i int, c CityCounty) { page.Rows[i] = s.countyBulletin(r.Context(), c, p.ID) })
	for _, row := range page.Rows {
		if row.Published {
			page.Published++
		}
	}
	page.Millis = time.Since(start).Milliseconds()
	s.cfg.Log.Info("city bulletins", "period", p.ID, "counties", len(cs), "ms", page.Millis)
	s.render(w, http.StatusOK, "bulletins", page)
}

type cityBulletinPage struct {
	cityPage
	B      sanlian.CountyBulletin
	Period string
}

// bulletin is GET /bulletins/{code}/{period}: one county's published
// bulletin.
func (s *CityServer) bulletin(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	p, err := sanlian.ParsePeriodText(r.PathValue("period"))
	if err == nil {
		err = cityBulletinsPeriod.Rule.Check(p, s.cfg.Now())
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "期间无效", sanlian.ErrorMessage(err))
		return
	}
	cs, err := s.cfg.Counties(r.Context())
	if err != nil {
		s.cfg.Log.Error("city bulletin", "err", err)
		s.fail(w, r, http.StatusInternalServerError, "内部错误", "该县数据暂时无法读取，请稍后再试。")
		return
	}
	for _, c := range cs {
		if c.Code != code {
			continue
		}
		b := s.countyBulletin(r.Context(), c, p.ID)
		switch {
		case b.Error != "":
			s.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取", b.Error+"，请稍后再试。")
		case !b.Published:
			s.fail(w, r, http.StatusNotFound, "通报未发布", c.Name+"尚未发布"+p.Label()+"的半月督查通报。")
		default:
			s.render(w, http.StatusOK, "bulletin", cityBulletinPage{cityPage: s.base(r, c.Name+" · "+b.PeriodLabel+"通报"), B: b, Period: p.ID})
		}
		return
	}
	s.fail(w, r, http.StatusNotFound, "没有这个县（市、区）", "本平台中没有代码为“"+code+"”的县（市、区）。")
}
