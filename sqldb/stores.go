package sqldb

// The storage is split by service: each store below carries the methods of
// the domain's services it implements, and shares the connections, the
// transactions, the keys and the clock of the DB it embeds. A store reaches
// another's methods through that DB (db.Problems.…).

// AccountStore keeps accounts, logins, sessions and the two-person grants
// (sanlian.UserService, AccountAdminService, AccountSelfService, GrantService).
type AccountStore struct{ *DB }

// OrgStore keeps the organisation: regions, units, cadres, households and
// links (sanlian.RegionService, UnitService, CadreService, HouseholdService,
// LinkService).
type OrgStore struct{ *DB }

// ProblemStore keeps the ledger: problems, their actions and attachments,
// dispatch, supervision and routing (sanlian.ProblemService,
// AttachmentService, DispatchService, SupervisionService, RoutingService).
type ProblemStore struct{ *DB }

// PublicStore serves the people's side: submission, tracking, tracking by
// phone and Open311 (sanlian.PublicService, LookupService, Open311Service).
type PublicStore struct{ *DB }

// NoticeStore keeps in-app notices, webhooks and messages to residents
// (sanlian.NoticeService, DeliveryQueue, MessageService, MessageQueue).
type NoticeStore struct{ *DB }

// WorkStore keeps visits and what they carry: topics, themes, activities
// and coverage (sanlian.TopicService, VisitService, ActivityService,
// CoverageService, ThemeService).
type WorkStore struct{ *DB }

// ListStore keeps the three lists and their import: projects,
// responsibilities, the lists and imports (sanlian.ProjectService,
// ResponsibilityService, ListsService, ImportService).
type ListStore struct{ *DB }

// ReportStore reads the figures: metrics, bulletins, the cockpit and the
// workbenches (sanlian.MetricsService, BulletinService, CockpitService,
// WorkbenchService).
type ReportStore struct{ *DB }

// stores are the DB's services, set up by Open.
type stores struct {
	Accounts *AccountStore
	Org      *OrgStore
	Problems *ProblemStore
	Public   *PublicStore
	Notices  *NoticeStore
	Work     *WorkStore
	Lists    *ListStore
	Reports  *ReportStore
}

func (db *DB) initStores() {
	db.Accounts = &AccountStore{db}
	db.Org = &OrgStore{db}
	db.Problems = &ProblemStore{db}
	db.Public = &PublicStore{db}
	db.Notices = &NoticeStore{db}
	db.Work = &WorkStore{db}
	db.Lists = &ListStore{db}
	db.Reports = &ReportStore{db}
}
