package web

import "sanlian"

// access says who may use a route: anyone (public), or the listed roles.
// Data scope inside a route is the services' business.
type access struct {
	public bool
	roles  []sanlian.Role
	// restricted: open also to a session that must first change its
	// password or enrol a second factor (sanlian.Restriction); every
	// other route sends such a session to that step.
	restricted bool
}

func public() access { return access{public: true} }

func roles(rs ...sanlian.Role) access { return access{roles: rs} }

// evenRestricted returns a with restricted sessions let in.
func (a access) evenRestricted() access { a.restricted = true; return a }

const (
	office    = sanlian.RoleOffice
	leader    = sanlian.RoleLeader
	unitAdmin = sanlian.RoleUnitAdmin
	cadre     = sanlian.RoleCadre
	sysadmin  = sanlian.RoleSysadmin
	secadmin  = sanlian.RoleSecadmin
	auditor   = sanlian.RoleAuditor
)

var (
	everyone  = roles(office, leader, unitAdmin, cadre, sysadmin, secadmin, auditor)
	orgReader = roles(office, leader, unitAdmin, cadre, sysadmin, secadmin) // the organisation, no personal data
	citizens  = roles(office, leader, unitAdmin, cadre)                     // households and links
	orgWriter = roles(office, unitAdmin)                                    // units, cadres, households, links
	revealers = roles(office, unitAdmin, cadre)                             // whole ID numbers and phones
	entrants  = roles(office, unitAdmin, cadre)                             // enter and act on problems
	auditors  = roles(auditor, office)                                      // the audit log
	// The three administrators (三权分立) do not share work: the system
	// administrator makes and keeps accounts, the security administrator
	// decides the grants the system administrator asks for (and asks for
	// role and scope changes the system administrator decides), the
	// auditor reads the audit log. The office no longer manages accounts.
	accountMaker   = roles(sysadmin)           // create accounts, reset, disable, unlock, end sessions
	accountReaders = roles(sysadmin, secadmin) // the account list and an account's page
	granters       = roles(sysadmin, secadmin) // grant requests: ask, approve, refuse, withdraw
)
