package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// demoOpen311Texts are what callers of the hotline and the city platform
// report, by category.
var demoOpen311Texts = []struct{ category, text string }{
	{"transport", "村口到镇上的公路有一段塌方，车辆只能单边通行，雨天更危险"},
	{"transport", "村里的公交站牌被风吹倒了，老人不知道在哪里等车"},
	{"construction", "组里的路灯坏了两个多月，晚上出行很不方便"},
	{"construction", "村部旁边的排水沟堵塞，下雨后污水漫到路面上"},
	{"social_health", "新农合报销材料交上去一个多月了，还没有到账"},
	{"social_health", "村卫生室的医生经常不在，看小病也要跑到镇上"},
	{"elderly", "独居老人家里漏雨，希望村里安排人帮忙修一修"},
	{"education", "学校门口没有减速带，上下学时段车辆开得很快"},
	{"employment", "想参加县里的电工技能培训，不知道去哪里报名"},
	{"housing", "危房改造的补助资金什么时候能发放到户"},
	{"rural", "茶叶收购价压得太低，希望帮助联系收购企业"},
	{"food_drug", "镇上有家小店卖过期的饮料，希望有关部门查一查"},
	{"business", "办理个体工商户营业执照，材料跑了三趟还没办下来"},
	{"policy", "低保资格复核后被取消，想了解原因和申诉渠道"},
	{"childcare", "镇上没有托育机构，双职工家庭孩子没人带"},
}

// demoOpen311 loads the demo's Open311: API keys for the county's hotline and a city platform, and requests sent through them.
func demoOpen311(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	rng := rand.New(rand.NewPCG(seed, 311))
	regions := map[string]*sanlian.Region{}
	var villages []*sanlian.Region
	for _, r := range c.Regions {
		regions[r.Code] = r
		if r.Kind == sanlian.RegionVillage {
			villages = append(villages, r)
		}
	}
	if len(villages) == 0 {
		return demoNothing("Open311"), nil
	}
	office := sanlian.NewSystemContext(ctx)
	issue := func(at time.Time, name, source string) (string, error) {
		setNow(at)
		k, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: name, Source: source})
		if err != nil {
			return "", err
		}
		return k.Secret, nil
	}
	start := today.AddDate(0, -6, 0)
	hotline, err := issue(start, "12345热线", sanlian.SourceHotline)
	if err != nil {
		return nil, err
	}
	city, err := issue(start.AddDate(0, 0, 14), "市级平台", sanlian.SourceOther)
	if err != nil {
		return nil, err
	}
	pub := sanlian.NewPublicContext(ctx)
	const n = 20
	sent, merged := map[string]int{}, 0
	for i := range n {
		secret, name := hotline, "12345热线"
		if i%3 == 2 {
			secret, name = city, "市级平台"
		}
		// Spread over the months since the city platform's key, a few
		// hours into a working day.
		at := start.AddDate(0, 0, 15+i*(int(today.Sub(start).Hours()/24)-16)/n).Truncate(24 * time.Hour).
			Add(time.Duration(1+rng.IntN(8)) * time.Hour)
		setNow(at)
		key, err := db.Public.VerifyAPIKey(pub, secret)
		if err != nil {
			return nil, err
		}
		t := demoOpen311Texts[rng.IntN(len(demoOpen311Texts))]
		v := villages[rng.IntN(len(villages))]
		addressID, addressString := v.Code, ""
		if i%2 == 1 { // the hotline's operators type the place
			addressID = ""
			if tw := regions[v.ParentCode]; tw != nil {
				addressString = tw.Name + v.Name
			} else {
				addressString = v.Name
			}
		}
		village, err := db.Public.Open311Village(pub, addressID, addressString)
		if err != nil {
			// A village name the county has twice: the code, as the
			// platform would after the refusal.
			if village, err = db.Public.Open311Village(pub, v.Code, ""); err != nil {
				return nil, err
			}
		}
		sub := &sanlian.PublicSubmission{Source: key.Source, Category: t.category, VillageCode: village.Code,
			Description: fmt.Sprintf("%s（%s第 %d 号来电）", t.text, name, i+1)}
		if key.Source == sanlian.SourceHotline {
			sub.ReporterName = string([]rune("王李张刘陈杨黄赵周吴")[rng.IntN(10)]) + "先生"
			sub.ReporterPhone = fmt.Sprintf("139%08d", rng.IntN(100_000_000))
			sub.Consent = true
		}
		x := &sanlian.Open311Extra{KeyID: key.ID, AddressString: addressString}
		if i%4 == 0 { // the city platform's app sends the phone's position
			b := sanlian.DefaultCountyBounds
			lat := b.MinLat + rng.Float64()*(b.MaxLat-b.MinLat)
			long := b.MinLong + rng.Float64()*(b.MaxLong-b.MinLong)
			x.Lat, x.Long = &lat, &long
		}
		if i%5 == 0 {
			x.Urgency = sanlian.UrgencyUrgent
		}
		sub.Open311 = x
		rc, err := db.Public.SubmitPublic(pub, sub)
		if err != nil {
			return nil, err
		}
		if rc.Merged {
			merged++
			continue
		}
		sent[name]++
	}
	return demoText(fmt.Sprintf("Open311 接口密钥 2 个，经接口提交的诉求：12345热线 %d 件、市级平台 %d 件（合并重复 %d 件）；"+
		"12345热线的密钥 %s，可向 /open311/v2/requests.json 提交（密钥仅此显示一次）",
		sent["12345热线"], sent["市级平台"], merged, hotline)), nil
}
