package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"sanlian"
)

// The topic bank (带题走访's topics): its JSON API, its page with its bulk
// import, and its export.

func topicFilter(p *params) sanlian.TopicFilter {
	return sanlian.TopicFilter{Category: p.str("category"), Active: p.boolPtr("active"), Q: p.str("q")}
}

// apiTopics is GET /api/v1/topics?category=&active=&q=.
func (s *workHandlers) apiTopics(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := topicFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	items, err := s.Topics.FindTopics(r.Context(), f)
	if err != nil {
		return err
	}
	writeList(w, items, "")
	return nil
}

// apiCreateTopics is POST /api/v1/topics: one topic, or an array of them
// created all or none.
func (s *workHandlers) apiCreateTopics(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return err
	}
	var ins []sanlian.TopicInput
	if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := strictUnmarshal(trimmed, &ins); err != nil {
			return err
		}
	} else {
		var one sanlian.TopicInput
		if err := strictUnmarshal(trimmed, &one); err != nil {
			return err
		}
		ins = []sanlian.TopicInput{one}
	}
	items, err := s.Topics.CreateTopics(r.Context(), ins)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, listResponse[*sanlian.Topic]{Items: items})
	return nil
}

// apiUpdateTopic is PATCH /api/v1/topics/{id}; {"active": false} retires.
func (s *workHandlers) apiUpdateTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var upd sanlian.TopicUpdate
	if err := decodeJSON(w, r, &upd); err != nil {
		return err
	}
	if err := needVersion(upd.Version); err != nil {
		return err
	}
	t, err := s.Topics.UpdateTopic(r.Context(), id, upd)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// topicGroup is one field of the bank with its topics.
type topicGroup struct {
	Code, Name string
	Topics     []*sanlian.Topic
	Open       bool // a topic in it is ticked
}

// groupTopics groups topics by field, in the order FindTopics gives them
// (the fields' own order).
func groupTopics(ts []*sanlian.Topic, ticked map[int64]bool) []*topicGroup {
	var out []*topicGroup
	by := map[string]*topicGroup{}
	for _, t := range ts {
		g := by[t.Category]
		if g == nil {
			name := t.CategoryName
			if name == "" {
				name = t.Category
			}
			g = &topicGroup{Code: t.Category, Name: name}
			by[t.Category] = g
			out = append(out, g)
		}
		g.Topics = append(g.Topics, t)
		g.Open = g.Open || ticked[t.ID]
	}
	return out
}

// topicEdit is what was typed into one topic's edit form.
type topicEdit struct {
	ID       int64
	Category string
	Question string
	Sort     int
	Version  int64
}

type topicsPage struct {
	basePage
	Groups       []*topicGroup
	Categories   []*sanlian.Category
	Office       bool
	Total        int
	InUse        int
	Error        string
	Fields       map[string]string
	RowErrors    []string
	Add          sanlian.TopicInput // typed into the add form
	Edit         topicEdit          // typed into a refused edit form
	Import       string             // typed into the import box
	ImportFailed bool
}

// TopicQuestion is what the edit form of topic t shows: what was typed
// after a refused edit, else the stored text.
func (p *topicsPage) TopicQuestion(t *sanlian.Topic) string {
	if p.Edit.ID == t.ID {
		return p.Edit.Question
	}
	return t.Question
}

// TopicCategory is the field shown in topic t's edit form.
func (p *topicsPage) TopicCategory(t *sanlian.Topic) string {
	if p.Edit.ID == t.ID {
		return p.Edit.Category
	}
	return t.Category
}

// TopicSort is the order shown in topic t's edit form.
func (p *topicsPage) TopicSort(t *sanlian.Topic) int {
	if p.Edit.ID == t.ID {
		return p.Edit.Sort
	}
	return t.Sort
}

func (s *workHandlers) loadTopicsPage(r *http.Request, page *topicsPage) error {
	ctx := r.Context()
	page.basePage = s.base(r, "调研题库", "visits")
	page.Office = page.User.Role == sanlian.RoleOffice
	f := sanlian.TopicFilter{}
	if !page.Office {
		yes := true
		f.Active = &yes
	}
	ts, err := s.Topics.FindTopics(ctx, f)
	if err != nil {
		return err
	}
	page.Total = len(ts)
	for _, t := range ts {
		if t.Active {
			page.InUse++
		}
	}
	page.Groups = groupTopics(ts, nil)
	if page.Office {
		if page.Categories, err = s.Problems.FindCategories(ctx, true); err != nil {
			return err
		}
	}
	return nil
}

// topicsPage is GET /topics: the bank by field; the office edits it here.
func (s *workHandlers) topicsPage(w http.ResponseWriter, r *http.Request) error {
	page := &topicsPage{}
	if err := s.loadTopicsPage(r, page); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "topics", page)
}

// renderTopicsError shows the bank again with the refusal and what was typed.
func (s *workHandlers) renderTopicsError(w http.ResponseWriter, r *http.Request, err error, page *topicsPage) error {
	code := sanlian.ErrorCode(err)
	if code != sanlian.EUNPROCESSABLE && code != sanlian.ECONFLICT && code != sanlian.EINVALID {
		return err
	}
	if lerr := s.loadTopicsPage(r, page); lerr != nil {
		return lerr
	}
	if page.Error == "" {
		page.Error = sanlian.ErrorMessage(err)
	}
	if page.Fields == nil {
		page.Fields = sanlian.ErrorFields(err)
	}
	return s.render(w, r, sanlian.HTTPStatus(code), "topics", page)
}

// topicsSubmit is POST /topics: add one topic.
func (s *workHandlers) topicsSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	sort, _ := strconv.Atoi(strings.TrimSpace(f.Get("sort")))
	in := sanlian.TopicInput{Category: f.Get("category"), Question: f.Get("question"), Sort: sort}
	typed := in
	ts, err := s.Topics.CreateTopics(r.Context(), []sanlian.TopicInput{in})
	if err != nil {
		// The service names the row of a batch; a single add has none.
		fields := map[string]string{}
		for k, v := range sanlian.ErrorFields(err) {
			fields[strings.TrimPrefix(k, "rows.1.")] = v
		}
		return s.renderTopicsError(w, r, err, &topicsPage{Add: typed, Fields: fields, Error: errorSummary(err)})
	}
	http.Redirect(w, r, "/topics?ok="+url.QueryEscape("已添加题目："+ts[0].Question)+"#field-"+ts[0].Category, http.StatusSeeOther)
	return nil
}

// errorSummary is an error's message followed by its field messages.
func errorSummary(err error) string {
	msg := sanlian.ErrorMessage(err)
	if ms := fieldMessages(sanlian.ErrorFields(err)); len(ms) > 0 {
		msg += "：" + strings.Join(ms, "；")
	}
	return msg
}

// topicSubmit is POST /topics/{id}: edit, retire (停用) or restore a topic.
// A stale form keeps what was typed and says that someone else changed it.
func (s *workHandlers) topicSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	sort, _ := strconv.Atoi(strings.TrimSpace(f.Get("sort")))
	typed := topicEdit{ID: id, Category: f.Get("category"), Question: f.Get("question"), Sort: sort, Version: version}
	upd := sanlian.TopicUpdate{Version: version}
	action := f.Get("action")
	switch action {
	case "retire", "restore":
		active := action == "restore"
		upd.Active = &active
	default:
		action = "save"
		upd.Category, upd.Question, upd.Sort = &typed.Category, &typed.Question, &typed.Sort
	}
	if err := needVersion(version); err != nil {
		return s.renderTopicsError(w, r, err, &topicsPage{Edit: typed})
	}
	t, err := s.Topics.UpdateTopic(r.Context(), id, upd)
	switch sanlian.ErrorCode(err) {
	case "":
	case sanlian.ECONFLICT:
		cur, ferr := s.Topics.FindTopicByID(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		// Resubmitting applies what was typed over the newer version, so
		// the form now carries it; the message shows what it replaces.
		typed.Version = cur.Version
		state := "在用"
		if !cur.Active {
			state = "已停用"
		}
		msg := fmt.Sprintf("该题目已被他人修改，您的修改未保存。现在的内容是「%s」（%s）。您填写的内容保留在下方，确认无误后可再次提交。", cur.Question, state)
		return s.renderTopicsError(w, r, err, &topicsPage{Edit: typed, Error: msg})
	default:
		return s.renderTopicsError(w, r, err, &topicsPage{Edit: typed})
	}
	done := map[string]string{"save": "已保存", "retire": "已停用", "restore": "已恢复"}[action]
	http.Redirect(w, r, "/topics?ok="+url.QueryEscape(done+"题目："+t.Question)+"#field-"+t.Category, http.StatusSeeOther)
	return nil
}

// importSeparators split a line of the import box into field and question:
// a tab (pasted from Excel), a Chinese or an ASCII comma.
const importSeparators = "\t，,"

// parseTopicLines reads the import box: one topic a line, "field<sep>question",
// the field by its code or its name. Blank lines are skipped. It returns
// the topics, the line number of each, and the errors of every bad line.
func parseTopicLines(text string, cats []*sanlian.Category) ([]sanlian.TopicInput, []int, []string) {
	byName := map[string]string{}
	for _, c := range cats {
		byName[strings.ToLower(c.Code)] = c.Code
		byName[c.Name] = c.Code
	}
	var ins []sanlian.TopicInput
	var lines []int
	var errs []string
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		cut := strings.IndexAny(line, importSeparators)
		if cut < 0 {
			errs = append(errs, fmt.Sprintf("第 %d 行：缺少分隔符，格式应为“领域<Tab>题目”或“领域，题目”", n))
			continue
		}
		field := strings.TrimSpace(line[:cut])
		_, size := firstRune(line[cut:])
		in := sanlian.TopicInput{Question: strings.TrimSpace(line[cut+size:])}
		code, ok := byName[field]
		if !ok {
			code, ok = byName[strings.ToLower(field)]
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("第 %d 行：领域“%s”不存在，请填写领域代码（如 employment）或名称", n, field))
			continue
		}
		in.Category = code
		if err := in.Validate(); err != nil {
			for _, v := range sanlian.ErrorFields(err) {
				errs = append(errs, fmt.Sprintf("第 %d 行：%s", n, v))
			}
			continue
		}
		ins = append(ins, in)
		lines = append(lines, n)
	}
	return ins, lines, errs
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// maxImportForm caps the import box: 5,000 topics of 200 characters.
const maxImportForm = 4 << 20

// topicsImport is POST /topics/import: a pasted list, imported all or
// none; every bad line is named.
func (s *workHandlers) topicsImport(w http.ResponseWriter, r *http.Request) error {
	if err := parseFormLimit(w, r, maxImportForm); err != nil {
		return err
	}
	text := r.PostForm.Get("rows")
	cats, err := s.Problems.FindCategories(r.Context(), true)
	if err != nil {
		return err
	}
	ins, lines, errs := parseTopicLines(text, cats)
	if len(errs) == 0 && len(ins) == 0 {
		errs = append(errs, "没有要导入的题目：请每行填写一个“领域<Tab>题目”")
	}
	if len(errs) == 0 {
		_, err = s.Topics.CreateTopics(r.Context(), ins)
		switch sanlian.ErrorCode(err) {
		case "":
			msg := fmt.Sprintf("已导入 %d 个题目", len(ins))
			http.Redirect(w, r, "/topics?ok="+url.QueryEscape(msg), http.StatusSeeOther)
			return nil
		case sanlian.EUNPROCESSABLE:
			errs = rowMessages(err, lines)
		default:
			return err
		}
	}
	page := &topicsPage{Import: text, ImportFailed: true, RowErrors: errs,
		Error: fmt.Sprintf("导入未完成：有 %d 处错误，所有题目均未导入。请修改后重新提交。", len(errs))}
	return s.renderTopicsError(w, r, sanlian.Errorf(sanlian.EUNPROCESSABLE, "%s", page.Error), page)
}

// rowMessages names the lines of the import box in a batch error whose
// fields are "rows.3.question" (the third topic sent).
func rowMessages(err error, lines []int) []string {
	var out []string
	for k, v := range sanlian.ErrorFields(err) {
		var row int
		var field string
		if _, serr := fmt.Sscanf(strings.Replace(k, ".", " ", 2), "rows %d %s", &row, &field); serr == nil && row >= 1 && row <= len(lines) {
			out = append(out, fmt.Sprintf("第 %d 行：%s", lines[row-1], v))
		} else {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = append(out, sanlian.ErrorMessage(err))
	}
	slices.Sort(out)
	return out
}

// topicsExport is GET /topics/export.xlsx: the topic bank as the page shows
// it to the caller (the office with retired topics), by field.
func (s *workHandlers) topicsExport(w http.ResponseWriter, r *http.Request) error {
	p := newParams(r)
	f := topicFilter(p)
	if err := p.err(); err != nil {
		return err
	}
	if sanlian.UserFromContext(r.Context()).Role != sanlian.RoleOffice {
		yes := true
		f.Active = &yes
	}
	d := s.describe(r)
	if f.Category != "" {
		name := f.Category
		if cs, err := s.Problems.FindCategories(r.Context(), true); err == nil {
			for _, c := range cs {
				if c.Code == f.Category {
					name = c.Name
				}
			}
		}
		d.add("领域", name)
	}
	d.yesNo("状态", f.Active, "在用", "已停用")
	d.add("关键词", f.Q)
	sh := sheet{name: "调研题库", filter: d.String(), columns: []sanlian.TableColumn{{Header: "领域", Width: 16}, {Header: "题目", Width: 60, Wrap: true},
		{Header: "状态", Width: 8}, {Header: "排序", Width: 6}}}
	return exportSheet(s.Server, w, r, sh, onePage(s.Topics.FindTopics(r.Context(), f)), func(t *sanlian.Topic) []any {
		state := "在用"
		if !t.Active {
			state = "已停用"
		}
		return []any{t.CategoryName, t.Question, state, t.Sort}
	})
}
