package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"sanlian"
)

// DefaultActivities is the number of volunteer activities LoadActivities
// records when ActivityOptions.Activities is 0: Anhua reports 140 and more
// a season.
const DefaultActivities = 150

// ActivityOptions control the demo volunteer activities.
type ActivityOptions struct {
	// Activities is the number recorded; 0 means DefaultActivities.
	Activities int
	// Today is the generator's today: activities are dated over the three
	// months before it, and the clock is left at Today. Zero means now.
	Today time.Time
	// Seed selects the activities; 0 means DefaultSeed.
	Seed uint64
	// Photos, when set, takes generated photos of PhotoActivities of the
	// activities, uploaded by the office as the units would.
	Photos sanlian.AttachmentService
}

// PhotoActivities is how many demo activities get photos, one to three
// each, when ActivityOptions.Photos is set.
const PhotoActivities = 20

// activityKind is a type of the seeded dictionary with its weight, the
// people a typical event serves and what the office writes about it;
// %s is the village.
type activityKind struct {
	code   string
	weight int
	served [2]int
	texts  []string
}

var activityKinds = []activityKind{
	{"relief", 18, [2]int{5, 40}, []string{
		"红马甲志愿者走进%s，慰问困难群众和留守老人，送去米、油、棉被，逐户了解生活困难。",
		"在%s开展帮困慰问，为独居老人打扫卫生、检修电路，登记需要帮扶的事项。",
		"为%s的低保户、残疾人家庭送去慰问金和生活用品，帮助联系临时救助。"}},
	{"environment", 16, [2]int{20, 120}, []string{
		"组织党员志愿者在%s开展人居环境整治，清理房前屋后垃圾和沟渠淤泥。",
		"%s“清洁家园”行动：拆除乱搭乱建，清运垃圾十余车，宣传垃圾分类。",
		"志愿者沿资江岸线在%s捡拾白色垃圾，劝导群众不向河道倾倒垃圾。"}},
	{"clinic", 16, [2]int{40, 260}, []string{
		"县人民医院医生随红马甲志愿队到%s义诊，免费测血压、血糖，发放常用药品。",
		"在%s开展健康义诊，为老人做慢病随访，讲解高血压、糖尿病用药。",
		"中医专家到%s坐诊，针灸理疗，为群众解答医保报销政策。"}},
	{"lecture", 10, [2]int{30, 150}, []string{
		"在%s村部开展黑茶种植与加工知识讲座，讲解茶园管护和采摘标准。",
		"在%s举办防范电信诈骗讲座，教老人识别冒充客服、刷单返利等骗局。",
		"在%s开展防溺水安全讲座，提醒家长看护好放假在家的孩子。"}},
	{"legal", 12, [2]int{30, 180}, []string{
		"送法下乡：律师志愿者在%s讲解土地承包、婚姻家庭等法律问题，现场解答群众咨询。",
		"在%s开展法律政策科普，宣讲惠民惠农补贴、医保和养老保险政策。",
		"司法所与志愿者在%s摆摊设点，发放法律明白卡，调处邻里纠纷一起。"}},
	{"learning", 6, [2]int{15, 60}, []string{
		"送学下乡：志愿者教师到%s为留守儿童辅导作业，开展课外阅读。",
		"为%s的留守儿童送去书包、文具和图书，开设周末课堂。"}},
	{"exams", 3, [2]int{10, 50}, []string{
		"送考下乡：在%s设点为群众办理驾驶证科目一考试报名和预约。",
		"为%s的村医、农技员送去资格考试辅导资料并现场辅导。"}},
	{"skills", 8, [2]int{20, 90}, []string{
		"送技下乡：农技专家在%s田间指导黑茶、油茶病虫害防治。",
		"在%s开展电商直播技能培训，教群众在网上销售黑茶和腊肉。",
		"在%s举办家政、电工技能培训，帮助群众就近就业。"}},
	{"culture", 6, [2]int{80, 400}, []string{
		"文艺志愿者在%s演出花鼓戏和山歌，宣传移风易俗。",
		"在%s举办“我们的节日”文艺晚会，群众自编自演节目。"}},
	{"safety", 5, [2]int{10, 60}, []string{
		"在%s开展安全检查，排查农村自建房、用电用气隐患，现场整改。",
		"汛期前到%s检查山塘水库和地质灾害隐患点，向群众宣传避险常识。"}},
}

// ActivitySummary is what LoadActivities recorded.
type ActivitySummary struct {
	Activities int
	Volunteers int // cadres and others, summed over the activities
	Served     int
	Photos     int
}

// String says the summary in one line of Chinese.
func (s ActivitySummary) String() string {
	out := fmt.Sprintf("志愿服务活动 %d 次，志愿者 %d 人次，服务群众 %d 人次", s.Activities, s.Volunteers, s.Served)
	if s.Photos > 0 {
		out += fmt.Sprintf("，活动照片 %d 张", s.Photos)
	}
	return out
}

// LoadActivities records volunteer activities over the three months
// before opt.Today, in date order on the clock setNow moves, as the
// county office enters them for the organising units.
func LoadActivities(ctx context.Context, svc sanlian.ActivityService, setNow func(time.Time), c *sanlian.County,
	opt ActivityOptions) (ActivitySummary, error) {
	var sum ActivitySummary
	if opt.Activities <= 0 {
		opt.Activities = DefaultActivities
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	lc, err := indexCounty(c)
	if err != nil {
		return sum, err
	}
	if lc.office == nil || lc.office.ID == 0 || len(lc.villages) == 0 {
		return sum, fmt.Errorf("demo activities: the county has no office account or no villages")
	}
	office := sanlian.NewContextWithUser(ctx, lc.office)
	rng := rand.New(rand.NewPCG(opt.Seed, 0xac71))
	today := opt.Today.In(sanlian.Shanghai)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, sanlian.Shanghai)
	first := midnight.AddDate(0, -3, 0)
	days := int(midnight.Sub(first).Hours()/24 + 0.5) // up to yesterday

	total := 0
	for _, k := range activityKinds {
		total += k.weight
	}
	type plan struct {
		at time.Time
		in sanlian.ActivityInput
	}
	plans := make([]plan, 0, opt.Activities)
	for i, tries := 0, 0; i < opt.Activities && tries < 100*opt.Activities; i, tries = i+1, tries+1 {
		w := rng.IntN(total)
		k := activityKinds[0]
		for _, x := range activityKinds {
			if w < x.weight {
				k = x
				break
			}
			w -= x.weight
		}
		v := lc.villages[rng.IntN(len(lc.villages))]
		units := slices.Clone(v.units)
		if v.town != nil {
			units = append(units, v.town)
		}
		if len(units) == 0 {
			i--
			continue
		}
		u := units[rng.IntN(len(units))]
		var vols []int64
		if n := len(u.staff); n > 0 {
			for j, m := 0, 1+rng.IntN(min(n, 6)); j < m; j++ {
				vols = append(vols, u.staff[rng.IntN(n)].ID)
			}
		}
		if lc.demoCadre != 0 && i%10 == 0 {
			vols = append(vols, lc.demoCadre) // the demo cadre has a record of their own
		}
		at := first.AddDate(0, 0, rng.IntN(days)).Add(time.Duration(9+rng.IntN(9)) * time.Hour)
		served := k.served[0] + rng.IntN(k.served[1]-k.served[0]+1)
		in := sanlian.ActivityInput{Type: k.code, Date: at.Format("2006-01-02"), VillageCode: v.r.Code, UnitID: u.u.ID,
			Volunteers: vols, Others: rng.IntN(12), Served: served,
			Description: fmt.Sprintf(k.texts[rng.IntN(len(k.texts))], strings.TrimSpace(v.r.Name))}
		plans = append(plans, plan{at: at, in: in})
	}
	slices.SortStableFunc(plans, func(a, b plan) int { return a.at.Compare(b.at) })
	// Photos come from a generator of their own, so that the activities
	// stay the same with or without them.
	photoRng := rand.New(rand.NewPCG(opt.Seed, 0x9107))
	every := max(1, len(plans)/PhotoActivities)
	for i, p := range plans {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		setNow(p.at)
		in := p.in
		a, err := svc.CreateActivity(office, &in)
		if err != nil {
			return sum, fmt.Errorf("demo activities: activity %d on %s: %w %v", i+1, in.Date, err, sanlian.ErrorFields(err))
		}
		sum.Activities++
		sum.Volunteers += a.VolunteerCount()
		sum.Served += a.Served
		if opt.Photos == nil || i%every != every/2 || i/every >= PhotoActivities {
			continue
		}
		setNow(p.at.Add(30 * time.Minute))
		for j, n := 0, 1+photoRng.IntN(3); j < n; j++ {
			name := fmt.Sprintf("%s-%s-%d.png", a.Date, a.TypeName, j+1)
			if _, err := opt.Photos.AddActivityPhoto(office, a.ID, name, bytes.NewReader(activityPhoto(photoRng)), 0); err != nil {
				return sum, fmt.Errorf("demo activities: photo of activity %d: %w", a.ID, err)
			}
			sum.Photos++
		}
	}
	setNow(opt.Today)
	return sum, nil
}

// activityPhoto draws a 480×320 scene: sky, a green hillside and a row of
// volunteers in red vests.
func activityPhoto(rng *rand.Rand) []byte {
	const w, h = 480, 320
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	ridge := 150 + rng.IntN(60)
	phase, amp := rng.Float64()*6, 10+rng.Float64()*25
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(120 + y/4), uint8(170 + y/5), 235, 255} // sky
			if float64(y) > float64(ridge)+amp*math.Sin(float64(x)/70+phase) {
				c = color.NRGBA{uint8(60 + y/8), uint8(120 + (x+y)%40), 60, 255} // hillside
			}
			img.SetNRGBA(x, y, c)
		}
	}
	fill := func(x0, y0, x1, y1 int, c color.NRGBA) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				img.SetNRGBA(x, y, c)
			}
		}
	}
	for i, n := 0, 3+rng.IntN(6); i < n; i++ {
		cx, base := 40+rng.IntN(w-80), 250+rng.IntN(50)
		fill(cx-6, base-62, cx+6, base-50, color.NRGBA{235, 200, 170, 255}) // head
		fill(cx-11, base-50, cx+11, base-20, color.NRGBA{210, 30, 30, 255}) // red vest
		fill(cx-9, base-20, cx+9, base, color.NRGBA{40, 50, 80, 255})       // trousers
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // a bytes.Buffer does not fail
	return buf.Bytes()
}
