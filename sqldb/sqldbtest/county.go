package sqldbtest

import (
	"context"
	"fmt"
	"testing"

	"sanlian"
	"sanlian/sqldb"
)

// Password is the password of every account in SmallCounty.
const Password = "password-123"

// Region codes of SmallCounty.
const (
	County    = "430923000000"
	Dongping  = "430923100000" // 东坪镇, linked to the leader
	Meicheng  = "430923101000" // 梅城镇, no leader
	VillageA  = "430923100001" // 东坪镇 · 黄沙坪村: units 1 and 3
	VillageB  = "430923100002" // 东坪镇 · 酉州村: unit 3
	VillageC  = "430923101001" // 梅城镇 · 启安村: unit 4
	VillageD  = "430923101002" // 梅城镇 · 苍场村: no unit
	CountyGov = int64(5)
)

// SmallCounty is a hand-built county whose every count is known:
//
//	units: 1 民政局, 2 社会救助股 (under 1), 3 东坪镇人民政府, 4 梅城镇人民政府, 5 县政府办
//	cadres: 1 王建国 (leader, unit 5, linked to 东坪镇), 2 李明 (unit 1; households 1–3),
//	        3 张华 (unit 2; household 4), 4 刘芳 (unit 3; households 6, 7),
//	        5 陈刚 (unit 4; households 11, 12), 6 赵丽 (unit 1; no household)
//	households 1–20, five a village in A, B, C, D; tags on 1, 5, 6, 10, 11, 16, 20
//	  (1 key_group·低保, 5 conflict, 6 representative·村两委, 10 key_group·独居老人,
//	   11 key_group·残疾, 16 conflict, 20 representative·群众代表)
//	accounts: office, leader (cadre 1), unitadmin (unit 1), cadre (cadre 2),
//	          cadre5 (cadre 5), sysadmin, auditor — all with Password
func SmallCounty() *sanlian.County {
	c := &sanlian.County{}
	add := func(code, name, kind, parent string) {
		c.Regions = append(c.Regions, &sanlian.Region{Code: code, Name: name, Kind: kind, ParentCode: parent})
	}
	add(County, "安化县", sanlian.RegionCounty, "")
	add(Dongping, "东坪镇", sanlian.RegionTownship, County)
	add(Meicheng, "梅城镇", sanlian.RegionTownship, County)
	add(VillageA, "黄沙坪村", sanlian.RegionVillage, Dongping)
	add(VillageB, "酉州村", sanlian.RegionVillage, Dongping)
	add(VillageC, "启安村", sanlian.RegionVillage, Meicheng)
	add(VillageD, "苍场村", sanlian.RegionVillage, Meicheng)
	c.Units = []*sanlian.Unit{
		{ID: 1, Name: "县民政局", Kind: sanlian.UnitDepartment, HeadCadreID: 2},
		{ID: 2, Name: "县民政局社会救助股", Kind: sanlian.UnitDepartment, ParentID: 1},
		{ID: 3, Name: "东坪镇人民政府", Kind: sanlian.UnitTownship, TownshipCode: Dongping},
		{ID: 4, Name: "梅城镇人民政府", Kind: sanlian.UnitTownship, TownshipCode: Meicheng},
		{ID: 5, Name: "县政府办公室", Kind: sanlian.UnitDepartment},
	}
	c.Cadres = []*sanlian.Cadre{
		{ID: 1, Name: "王建国", UnitID: 5, Post: "副县长", PartyMember: true, Phone: "13800000001", IsLeader: true},
		{ID: 2, Name: "李明", UnitID: 1, Post: "局长", PartyMember: true, Phone: "13800000002"},
		{ID: 3, Name: "张华", UnitID: 2, Post: "股长", PartyMember: true, Phone: "13800000003"},
		{ID: 4, Name: "刘芳", UnitID: 3, Post: "副镇长", PartyMember: true, Phone: "13800000004"},
		{ID: 5, Name: "陈刚", UnitID: 4, Post: "镇党委委员", PartyMember: true, Phone: "13800000005"},
		{ID: 6, Name: "赵丽", UnitID: 1, Post: "科员", PartyMember: false, Phone: "13800000006"},
	}
	tags := map[int64]sanlian.Tag{
		1: {Kind: sanlian.TagKeyGroup, Sub: "低保"}, 5: {Kind: sanlian.TagConflict},
		6: {Kind: sanlian.TagRepresentative, Sub: "村两委"}, 10: {Kind: sanlian.TagKeyGroup, Sub: "独居老人"},
		11: {Kind: sanlian.TagKeyGroup, Sub: "残疾"}, 16: {Kind: sanlian.TagConflict},
		20: {Kind: sanlian.TagRepresentative, Sub: "群众代表"},
	}
	villages := []string{VillageA, VillageB, VillageC, VillageD}
	surnames := []rune("刘陈张李王杨黄赵周吴")
	for i := int64(1); i <= 20; i++ {
		h := &sanlian.Household{
			ID: i, VillageCode: villages[(i-1)/5], HeadName: string(surnames[(i-1)%10]) + "户" + fmt.Sprint(i),
			IDNumber: IDNumber(fmt.Sprintf("43092319%02d0101%03d", 50+i, i)), Phone: fmt.Sprintf("139000000%02d", i),
			Address: fmt.Sprintf("%d组%d号", (i-1)%5+1, i), Members: int(i%5) + 1, Tags: []sanlian.Tag{},
		}
		if t, ok := tags[i]; ok {
			h.Tags = []sanlian.Tag{t}
		}
		c.Households = append(c.Households, h)
	}
	id := int64(0)
	link := func(l *sanlian.Link) { id++; l.ID = id; c.Links = append(c.Links, l) }
	link(&sanlian.Link{Kind: sanlian.LinkTownship, CadreID: 1, RegionCode: Dongping})
	link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: 1, RegionCode: VillageA})
	link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: 3, RegionCode: VillageA})
	link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: 3, RegionCode: VillageB})
	link(&sanlian.Link{Kind: sanlian.LinkVillage, UnitID: 4, RegionCode: VillageC})
	for _, p := range [][2]int64{{2, 1}, {2, 2}, {2, 3}, {3, 4}, {4, 6}, {4, 7}, {5, 11}, {5, 12}} {
		link(&sanlian.Link{Kind: sanlian.LinkHousehold, CadreID: p[0], HouseholdID: p[1]})
	}
	acct := func(name string, role sanlian.Role, unit, cadre int64) {
		c.Accounts = append(c.Accounts, &sanlian.Account{Password: Password,
			User: &sanlian.User{Username: name, DisplayName: name, Role: role, UnitID: unit, CadreID: cadre}})
	}
	acct("office", sanlian.RoleOffice, 0, 0)
	acct("leader", sanlian.RoleLeader, 0, 1)
	acct("unitadmin", sanlian.RoleUnitAdmin, 1, 0)
	acct("cadre", sanlian.RoleCadre, 1, 2)
	acct("cadre5", sanlian.RoleCadre, 4, 5)
	acct("sysadmin", sanlian.RoleSysadmin, 0, 0)
	acct("auditor", sanlian.RoleAuditor, 0, 0)
	acct("secadmin", sanlian.RoleSecadmin, 0, 0)
	return c
}

// IDNumber completes 17 digits with their check character.
func IDNumber(first17 string) string {
	return first17 + string(sanlian.IDCheckDigit(first17))
}

// LoadSmall loads SmallCounty into db and returns a map from username to
// that user, for building contexts.
func LoadSmall(tb testing.TB, db *sqldb.DB) map[string]*sanlian.User {
	tb.Helper()
	c := SmallCounty()
	if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), c); err != nil {
		tb.Fatal(err)
	}
	users := map[string]*sanlian.User{}
	for _, a := range c.Accounts {
		users[a.User.Username] = a.User
	}
	return users
}

// As returns a context acting as u.
func As(u *sanlian.User) context.Context {
	return sanlian.NewContextWithUser(context.Background(), u)
}
