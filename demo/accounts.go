package demo

import (
	"strconv"
	"strings"

	"sanlian"
)

// genAccounts creates the demo accounts, one for each role: the three
// administrators (系统管理员, 安全管理员, 审计管理员) among them.
func (g *gen) genAccounts() {
	mz := g.units[g.unitByName("县民政局")]
	dp := g.units[g.towns[0].unit]
	// The cadre account: the 民政局 cadre below the head with the most
	// must-visit households.
	best := -1
	for _, ci := range mz.cadres {
		c := &g.cadres[ci]
		if c.c.ID == mz.u.HeadCadreID || c.linked == 0 {
			continue
		}
		if b := &g.cadres[max(best, 0)]; best < 0 || c.must > b.must || c.must == b.must && c.linked > b.linked {
			best = ci
		}
	}
	if best < 0 {
		best = mz.cadres[len(mz.cadres)-1]
	}
	cd := g.cadres[best].c
	lead := g.cadres[g.demoLead].c
	add := func(username, display string, role sanlian.Role, unitID, cadreID int64) {
		g.c.Accounts = append(g.c.Accounts, &sanlian.Account{Password: Password, User: &sanlian.User{
			Username: username, DisplayName: display, Role: role, UnitID: unitID, CadreID: cadreID}})
	}
	add("office", "县三联三清工作办公室", sanlian.RoleOffice, 0, 0)
	add("leader", lead.Name, sanlian.RoleLeader, 0, lead.ID)
	add("unitadmin", "县民政局管理员", sanlian.RoleUnitAdmin, mz.u.ID, 0)
	add("township", dp.u.Name+"管理员", sanlian.RoleUnitAdmin, dp.u.ID, 0)
	add("cadre", cd.Name, sanlian.RoleCadre, cd.UnitID, cd.ID)
	add("sysadmin", "系统管理员", sanlian.RoleSysadmin, 0, 0)
	add("secadmin", "安全管理员", sanlian.RoleSecadmin, 0, 0)
	add("auditor", "审计员", sanlian.RoleAuditor, 0, 0)
}

// AccountInfo describes a demo account for printing after a load.
type AccountInfo struct {
	Username string
	Role     string // the role's label, e.g. "县级领导"
	// Description says what the account is, its role label first, e.g.
	// "县级领导 · 何建清 副县长，联系东坪镇、烟溪镇".
	Description string
}

// accountAbout says what each demo account is in any demo county.
var accountAbout = []struct {
	username string
	role     sanlian.Role
	about    string
}{
	{"office", sanlian.RoleOffice, "县“我为群众办实事”实践活动领导小组办公室，看全县"},
	{"leader", sanlian.RoleLeader, "一名副县长，联系县城所在的乡镇（安化县为东坪镇）和另一个乡镇"},
	{"unitadmin", sanlian.RoleUnitAdmin, "县民政局（含社会救助股、养老服务股）"},
	{"township", sanlian.RoleUnitAdmin, "县城所在乡镇的人民政府或街道办事处（安化县为东坪镇人民政府）"},
	{"cadre", sanlian.RoleCadre, "县民政局的一名干部，联系的农户中有三必访户"},
	{"sysadmin", sanlian.RoleSysadmin, "账号与设置，不看群众个人信息；新账号与授权须安全管理员批准"},
	{"secadmin", sanlian.RoleSecadmin, "角色、数据范围与安全策略，审批系统管理员提出的授权，不看群众个人信息"},
	{"auditor", sanlian.RoleAuditor, "只读审计日志"},
}

// Accounts lists the demo accounts of every demo county, whatever its
// Options, for printing when the county is already in the database.
// AccountsOf names the people behind them.
func Accounts() []AccountInfo {
	out := make([]AccountInfo, len(accountAbout))
	for i, a := range accountAbout {
		out[i] = AccountInfo{Username: a.username, Role: a.role.Label(), Description: a.role.Label() + " · " + a.about}
	}
	return out
}

// AccountsOf lists the accounts of a county made by Generate, in the order
// they were made, each with the person or unit behind it: the leader's
// name, post and townships, the cadre's unit and households.
func AccountsOf(c *sanlian.County) []AccountInfo {
	units := map[int64]*sanlian.Unit{}
	for _, u := range c.Units {
		units[u.ID] = u
	}
	cadres := map[int64]*sanlian.Cadre{}
	for _, x := range c.Cadres {
		cadres[x.ID] = x
	}
	regions := map[string]*sanlian.Region{}
	for _, r := range c.Regions {
		regions[r.Code] = r
	}
	var out []AccountInfo
	for _, a := range c.Accounts {
		u := a.User
		about := ""
		switch u.Role {
		case sanlian.RoleLeader:
			x := cadres[u.CadreID]
			var towns []string
			for _, l := range c.Links {
				if l.Kind == sanlian.LinkTownship && l.CadreID == u.CadreID && l.Active() {
					towns = append(towns, regions[l.RegionCode].Name)
				}
			}
			about = x.Name + " " + x.Post + "，联系" + strings.Join(towns, "、")
		case sanlian.RoleUnitAdmin:
			un := units[u.UnitID]
			about = un.Name
			var subs []string
			for _, s := range c.Units {
				if s.ParentID == un.ID {
					subs = append(subs, strings.TrimPrefix(s.Name, un.Name))
				}
			}
			if len(subs) > 0 {
				about += "（含" + strings.Join(subs, "、") + "）"
			}
			if un.TownshipCode != "" {
				n := 0
				for _, l := range c.Links {
					if l.Kind == sanlian.LinkVillage && l.UnitID == un.ID && l.Active() {
						n++
					}
				}
				here := "本乡镇"
				for _, k := range []string{"街道", "镇", "乡"} {
					if strings.Contains(un.Name, k) {
						here = "本" + k
						break
					}
				}
				about += "，联系" + here + " " + strconv.Itoa(n) + " 个村(社区)"
			}
		case sanlian.RoleCadre:
			x := cadres[u.CadreID]
			linked := map[int64]bool{}
			for _, l := range c.Links {
				if l.Kind == sanlian.LinkHousehold && l.CadreID == x.ID && l.Active() {
					linked[l.HouseholdID] = true
				}
			}
			must := 0
			for _, h := range c.Households {
				if linked[h.ID] && len(h.Tags) > 0 {
					must++
				}
			}
			about = x.Name + " " + units[x.UnitID].Name + x.Post + "，联系 " + strconv.Itoa(len(linked)) +
				" 户（其中三必访 " + strconv.Itoa(must) + " 户）"
		default:
			for _, s := range accountAbout {
				if s.username == u.Username {
					about = s.about
				}
			}
		}
		out = append(out, AccountInfo{Username: u.Username, Role: u.Role.Label(), Description: u.Role.Label() + " · " + about})
	}
	return out
}
