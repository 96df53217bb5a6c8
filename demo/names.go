package demo

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// The word lists below are the raw material of every name in the county.
// They are read-only tables, not state.

// townships are Anhua's 18 towns and 5 townships in the order of the
// county's own lists. The towns get codes 100…117 and the townships
// 200…204, as statistical codes do.
var townships = []string{
	"东坪镇", "清塘铺镇", "梅城镇", "仙溪镇", "大福镇", "长塘镇", "羊角塘镇", "冷市镇", "小淹镇",
	"江南镇", "柘溪镇", "马路口镇", "奎溪镇", "烟溪镇", "渠江镇", "平口镇", "乐安镇", "滔溪镇",
	"高明乡", "龙塘乡", "田庄乡", "南金乡", "古楼乡",
}

// countyTownships are the other counties of 益阳市 that a city demo loads
// (sanlian demo --counties), each with its own streets (街道), towns and
// townships in the order of its own lists; the county seat first. A
// county not listed here takes Anhua's.
var countyTownships = map[string][]string{
	"430903": {"赫山街道", "桃花仑街道", "金银山街道", "会龙山街道", "龙光桥街道", "鱼形山街道", "岳家桥镇", "欧江岔镇",
		"沧水铺镇", "泥江口镇", "兰溪镇", "新市渡镇", "衡龙桥镇", "八字哨镇", "笔架山乡"}, // 赫山区
	"430902": {"汽车路街道", "大码头街道", "长春镇", "迎风桥镇", "沙头镇", "茈湖口镇", "新桥河镇", "张家塞乡"}, // 资阳区
	"430921": {"南洲镇", "茅草街镇", "三仙湖镇", "华阁镇", "明山头镇", "青树嘴镇", "厂窖镇", "武圣宫镇", "浪拔湖镇",
		"麻河口镇", "乌嘴乡", "中鱼口乡"}, // 南县
	"430922": {"桃花江镇", "灰山港镇", "武潭镇", "马迹塘镇", "三堂街镇", "大栗港镇", "松木塘镇", "修山镇", "沾溪镇",
		"鸬鹚渡镇", "石牛江镇", "牛田镇", "高桥乡", "浮邱山乡"}, // 桃江县
	"430981": {"琼湖街道", "胭脂湖街道", "庆云山街道", "草尾镇", "南大膳镇", "黄茅洲镇", "四季红镇", "阳罗洲镇", "共华镇",
		"新湾镇", "泗湖山镇", "南嘴镇"}, // 沅江市
}

// townshipsOf lists the townships of the county with the six-digit code.
func townshipsOf(code string) []string {
	if ts, ok := countyTownships[code]; ok {
		return ts
	}
	return townships
}

// townKind splits a township's name into its stem and its kind: 街道, 镇
// or 乡 (东坪镇 → 东坪, 镇).
func townKind(name string) (stem, kind string) {
	for _, k := range []string{"街道", "镇", "乡"} {
		if st, ok := strings.CutSuffix(name, k); ok {
			return st, k
		}
	}
	return name, "乡"
}

// communityNames name the second and further communities of a town seat;
// the first is named after the town itself (东坪社区).
var communityNames = []string{"城东", "城南", "城西", "城北", "新街", "河滨", "茶乡", "建设", "新华", "解放", "胜利", "和平"}

// Village names follow four shapes seen across rural Hunan: 黄沙坪 (two
// place syllables and a landform), 柳溪 (one and a landform), 启安 (two
// auspicious syllables) and 马家湾 (a surname, 家 and a landform).
var (
	placeFirst  = []rune("黄白青红金银石龙凤马鹤云高大小长新双三九百上下中东西南北柳杨桃竹茶松梅桂枫樟梓仙苍酉木铁烟紫清碧古乌岩洞连")
	placeSecond = []rune("沙石门山水田竹林花桥溪塘泉龙马牛羊鹿岭峰坡湾木叶园茶云台")
	landform    = []rune("坪溪冲塘湾山桥岭坡洲田园口岩峰源坳洞庄林台铺湖港垅场州池坑寨")
	luckyFirst  = []rune("启永太丰新长福兴荣和安乐联团胜民红光建富复同德仁义文双")
	luckySecond = []rune("安兴平乐华丰福荣和合利明胜旗星光阳新联盛隆泰富宁昌")
	clanNames   = []rune("马陈李刘王张谭曾彭龚夏贺罗周黄邓唐杨谢胡蒋吴肖易廖汤姚袁邹田何向朱")
)

// villageName draws a village name without the 村 suffix.
func villageName(r *rand.Rand) string {
	pick := func(rs []rune) string { return string(rs[r.IntN(len(rs))]) }
	switch x := r.IntN(100); {
	case x < 35:
		// No syllable twice, as in 洞木洞.
		a, b, c := pick(placeFirst), pick(placeSecond), pick(landform)
		for a == b || b == c || a == c {
			b, c = pick(placeSecond), pick(landform)
		}
		return a + b + c
	case x < 65:
		a, b := pick(placeFirst), pick(landform)
		for a == b {
			b = pick(landform)
		}
		return a + b
	case x < 85:
		a, b := pick(luckyFirst), pick(luckySecond)
		for a == b {
			b = pick(luckySecond)
		}
		return a + b
	default:
		return pick(clanNames) + "家" + pick(landform)
	}
}

// surname is a family name with its weight: the common names of Hunan,
// with the 谌, 龚 and 夏 of Anhua a little above the national share.
type surname struct {
	name   string
	weight int
}

var surnames = []surname{
	{"刘", 80}, {"陈", 70}, {"李", 70}, {"王", 60}, {"张", 60}, {"罗", 40}, {"周", 40}, {"黄", 40},
	{"杨", 40}, {"谭", 32}, {"曾", 32}, {"彭", 30}, {"龚", 30}, {"邓", 30}, {"唐", 30}, {"吴", 28},
	{"夏", 24}, {"贺", 24}, {"谌", 20}, {"谢", 20}, {"胡", 20}, {"蒋", 20}, {"肖", 20}, {"易", 18},
	{"廖", 18}, {"何", 18}, {"赵", 16}, {"朱", 16}, {"熊", 12}, {"汤", 12}, {"姚", 10}, {"戴", 10},
	{"袁", 10}, {"文", 10}, {"邹", 10}, {"田", 10}, {"龙", 10}, {"向", 10}, {"梁", 8}, {"卢", 8},
	{"蔡", 8}, {"莫", 6}, {"钟", 6}, {"郭", 8}, {"石", 6}, {"雷", 6}, {"晏", 5}, {"颜", 6},
	{"孙", 6}, {"符", 4}, {"黎", 6}, {"欧阳", 4}, {"丁", 5}, {"付", 5}, {"康", 4}, {"段", 5},
}

// surnameCum holds the running totals of the surname weights.
var surnameCum = func() []int {
	cum := make([]int, len(surnames))
	t := 0
	for i, s := range surnames {
		t += s.weight
		cum[i] = t
	}
	return cum
}()

func drawSurname(r *rand.Rand) string {
	x := r.IntN(surnameCum[len(surnameCum)-1])
	lo, hi := 0, len(surnameCum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if surnameCum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return surnames[lo].name
}

// Given names: the first and second characters of names given before
// about 1980 and after, for men and women.
var (
	maleOldFirst    = []rune("建国志德明振文光新永海春华金立家红跃先正学长胜云世顺石铁冬爱卫继中和")
	maleOldSecond   = []rune("国华明强军平林生清辉成良东武安云雄斌峰波勇福贵才中民兵祥球松山元荣")
	maleYoungFirst  = []rune("子浩宇俊志嘉思博文建晓鹏振佳一梓家泽天")
	maleYoungSecond = []rune("轩宇涛杰鹏磊帆超浩然阳晨伟豪哲翔凯程洋龙")
	femOldFirst     = []rune("秀桂玉春丽美淑小红翠凤金腊冬满月雪菊兰爱")
	femOldSecond    = []rune("英兰华梅珍芳莲娥香琴霞娟凤秀萍红莉燕丽艳云花姣")
	femYoungFirst   = []rune("思雨欣佳晓婷丹静诗梦雅紫一可慧")
	femYoungSecond  = []rune("婷琪怡涵妍萱颖雯洁倩璐琳悦敏瑶")
)

// personName draws a full name for someone of the given sex born in year.
func personName(r *rand.Rand, male bool, year int) string {
	var first, second []rune
	switch young := year >= 1980; {
	case male && !young:
		first, second = maleOldFirst, maleOldSecond
	case male:
		first, second = maleYoungFirst, maleYoungSecond
	case !young:
		first, second = femOldFirst, femOldSecond
	default:
		first, second = femYoungFirst, femYoungSecond
	}
	var buf [16]byte
	name := append(buf[:0], drawSurname(r)...)
	b := second[r.IntN(len(second))]
	if r.IntN(100) >= 8 {
		a := first[r.IntN(len(first))]
		if a == b {
			b = second[r.IntN(len(second))]
		}
		name = utf8.AppendRune(name, a)
	}
	return string(utf8.AppendRune(name, b))
}

// mobilePrefixes are the first three digits of mainland mobile numbers.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "193", "195", "198", "199",
}

// mobile draws an 11-digit mobile number.
func mobile(r *rand.Rand) string {
	var b [11]byte
	copy(b[:], mobilePrefixes[r.IntN(len(mobilePrefixes))])
	n := r.Uint32N(100_000_000)
	for i := 10; i >= 3; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// landline draws an Anhua fixed-line number: area code 0737, then a
// seven-digit number starting with 7.
func landline(r *rand.Rand) string {
	var b [12]byte
	copy(b[:], "0737-7")
	n := r.Uint32N(1_000_000)
	for i := 11; i >= 6; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}
