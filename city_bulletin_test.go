package sanlian

import (
	"testing"
	"time"
)

func TestCountyBulletinOf(t *testing.T) {
	if r := CountyBulletinOf("430923", "安化县", nil); r.Published || r.Name != "安化县" {
		t.Fatalf("none: %+v", r)
	}
	draft := &Bulletin{Period: "2026-11-H2", State: "draft", Content: &BulletinContent{Overview: BulletinOverview{Assigned: 9}}}
	if r := CountyBulletinOf("430923", "安化县", draft); r.Published || r.Overview.Assigned != 0 {
		t.Fatalf("a draft is shown: %+v", r)
	}
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, Shanghai)
	b := &Bulletin{Period: "2026-11-H2", Year: 2026, Number: 22, State: BulletinPublished, PublishedAt: &at, Content: &BulletinContent{
		Overview:   BulletinOverview{Assigned: 40, Resolved: 31},
		Units:      []BulletinRow{{Name: "未排名单位", Unranked: "期内无派单"}, {Name: "县水利局", Rank: 1}},
		Commended:  []BulletinUnit{{Name: "县水利局"}},
		Criticised: []BulletinUnit{{Name: "县住建局"}},
		Overdue:    []BulletinProblem{{Number: "AH-2026-00031", Title: "张三家门前排水沟堵塞"}, {Number: "AH-2026-00032", Title: "李四反映"}},
	}}
	r := CountyBulletinOf("430923", "安化县", b)
	if !r.Published || r.Number != "〔2026〕第22期" || r.PeriodLabel != "2026年11月下半月" || !r.PublishedAt.Equal(at) ||
		r.Overview.Assigned != 40 || r.OverdueProblems != 2 || len(r.Commended) != 1 || len(r.Criticised) != 1 {
		t.Fatalf("published: %+v", r)
	}
	if len(r.Units) != 2 || r.Units[0].Name != "县水利局" || r.Units[1].Name != "未排名单位" {
		t.Fatalf("units: ranked first, then the others: %+v", r.Units)
	}
}
