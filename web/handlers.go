package web

// The handlers are grouped by the resources they serve, each group a type
// of its own that shares the Server it embeds (services, templates,
// configuration, the helpers in server.go, render.go, errors.go …). The
// route lists name a handler through its group: s.problems.apiProblems.

// accountHandlers: accounts, the user's own account, API keys (users.go,
// users_api.go, me.go, apikeys.go).
type accountHandlers struct{ *Server }

// orgHandlers: regions, units, cadres, households, links and the audit log
// (region.go, unit.go, cadre.go, household.go, link.go, audit.go).
type orgHandlers struct{ *Server }

// problemHandlers: the ledger, its export, attachments, categories and
// routing (problem.go, export.go, attachment.go, category.go, routing.go).
type problemHandlers struct{ *Server }

// peopleHandlers: the people's side, tracking by phone, the WeChat entry
// and messages to residents (public.go, lookup.go, wechat.go, resmsg.go).
type peopleHandlers struct{ *Server }

// workHandlers: visits, their coverage, activities and the topic bank
// (visit.go, coverage_visits.go, activity.go, topic.go).
type workHandlers struct{ *Server }

// listHandlers: projects, responsibilities, the three lists and imports
// (project.go, responsibility.go, lists.go, import.go).
type listHandlers struct{ *Server }

// officeHandlers: the month's themes, notices and webhooks, the calendar
// (theme.go, notice.go, calendar.go).
type officeHandlers struct{ *Server }

// reportHandlers: metrics, bulletins, dispatch and supervision (metrics.go,
// bulletin.go, dispatch.go, supervision.go).
type reportHandlers struct{ *Server }

// deskHandlers: the role workbenches, the cockpit and the pickers
// (home_*.go, leader.go, cockpit.go, suggest.go).
type deskHandlers struct{ *Server }

// handlers are the Server's groups, set up by New.
type handlers struct {
	accounts *accountHandlers
	org      *orgHandlers
	problems *problemHandlers
	people   *peopleHandlers
	work     *workHandlers
	lists    *listHandlers
	office   *officeHandlers
	reports  *reportHandlers
	desks    *deskHandlers
}

func (s *Server) initHandlers() {
	s.handlers = handlers{
		accounts: &accountHandlers{s}, org: &orgHandlers{s}, problems: &problemHandlers{s},
		people: &peopleHandlers{s}, work: &workHandlers{s}, lists: &listHandlers{s},
		office: &officeHandlers{s}, reports: &reportHandlers{s}, desks: &deskHandlers{s},
	}
}
