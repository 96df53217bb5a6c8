package xlsx

import (
	"archive/zip"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// Sheet names of the three-lists workbook; the import reads each list
// from the sheet of its name.
const (
	ListProblemSheet = "问题清单"
	ListProjectSheet = "项目清单"
	ListRespSheet    = "责任清单"
)

// The columns of the three lists, in the layout county offices keep them:
// 序号, the item, its source, who answers for it, by when, how it stands.
// The headers are the import's, so that a workbook written here can be
// read back. Personal data (reporters and their phones) is left out.
var (
	listProblemColumns = []sanlian.TableColumn{
		{Header: "序号", Width: 6}, {Header: "编号", Width: 17}, {Header: "问题", Width: 28, Wrap: true},
		{Header: "问题描述", Width: 40, Wrap: true}, {Header: "类别", Width: 10}, {Header: "来源", Width: 11},
		{Header: "村(社区)", Width: 16}, {Header: "责任单位", Width: 18}, {Header: "责任领导", Width: 9},
		{Header: "责任人", Width: 9}, {Header: "登记日期", Width: 11}, {Header: "完成时限", Width: 11},
		{Header: "进展情况", Width: 30, Wrap: true}, {Header: "办理结果", Width: 24, Wrap: true}, {Header: "状态", Width: 8},
	}
	listProjectColumns = []sanlian.TableColumn{
		{Header: "序号", Width: 6}, {Header: "项目名称", Width: 26, Wrap: true}, {Header: "上级项目", Width: 18, Wrap: true},
		{Header: "责任单位", Width: 18}, {Header: "类别", Width: 10}, {Header: "项目内容", Width: 30, Wrap: true},
		{Header: "目标数量", Width: 9}, {Header: "计量单位", Width: 8}, {Header: "已完成数量", Width: 9},
		{Header: "受益对象", Width: 16, Wrap: true}, {Header: "开始日期", Width: 11}, {Header: "完成时限", Width: 11},
		{Header: "责任领导", Width: 9}, {Header: "责任人", Width: 9}, {Header: "进展情况", Width: 14}, {Header: "状态", Width: 8},
		{Header: "权重", Width: 6}, {Header: "子项目汇总方式", Width: 9},
	}
	listRespColumns = []sanlian.TableColumn{
		{Header: "序号", Width: 6}, {Header: "责任事项", Width: 30, Wrap: true}, {Header: "来源", Width: 11},
		{Header: "来源编号", Width: 18, Wrap: true}, {Header: "责任单位", Width: 18}, {Header: "责任领导", Width: 9},
		{Header: "责任人", Width: 9}, {Header: "工作措施", Width: 30, Wrap: true}, {Header: "完成时限", Width: 11},
		{Header: "进展情况", Width: 30, Wrap: true}, {Header: "状态", Width: 8},
	}
)

// ProjectProgressText is how a project's progress reads in the lists'
// 进展情况 column; the import reads the percentage back from it.
func ProjectProgressText(p *sanlian.Project) string { return fmt.Sprintf("进度 %d%%", p.Progress) }

// WriteLists writes the three lists of a unit or a person as one
// workbook, a sheet a list, each printable on A4 landscape with its title
// and header repeated on every page.
func WriteLists(w io.Writer, title string, l *sanlian.ThreeLists) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	if err := f.SetSheetName("Sheet1", ListProblemSheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for _, sh := range []string{ListProjectSheet, ListRespSheet} {
		if _, err := f.NewSheet(sh); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}

	i := 0
	err = streamTable(f, ListProblemSheet, st, title+" · 走访调研问题清单", listProblemColumns, sanlian.MaxListLines, "问题",
		tableFill(listProblemColumns, func() ([]any, error) {
			if i == len(l.Problems) {
				return nil, nil
			}
			p := l.Problems[i]
			i++
			unit := p.UnitName
			if l.UnitID != 0 && p.UnitID != l.UnitID { // a problem the unit co-handles
				unit += "（牵头，本单位配合）"
			}
			return []any{i, p.Number, p.Title, p.Description, orCode(p.CategoryName, p.Category), sanlian.SourceLabel(p.Source),
				p.TownshipName + p.VillageName, unit, l.UnitHeads[p.UnitID], p.PersonName,
				p.CreatedAt.In(sanlian.Shanghai).Format("2006-01-02"), sanlian.DeadlineDate(p.ResolveDue), problemProgress(p), p.Result,
				sanlian.StateLabel(p.State)}, nil
		}))
	if err != nil {
		return err
	}
	i = 0
	err = streamTable(f, ListProjectSheet, st, title+" · 服务群众项目清单", listProjectColumns, sanlian.MaxListLines, "项目",
		tableFill(listProjectColumns, func() ([]any, error) {
			if i == len(l.Projects) {
				return nil, nil
			}
			p := l.Projects[i]
			i++
			return []any{i, p.Title, p.ParentTitle, p.UnitName, orCode(p.CategoryName, p.Category), sanlian.MaskContacts(p.Description),
				p.Target, p.Measure, p.Done, p.Beneficiaries, p.StartDate, p.EndDate, p.LeaderName, p.PersonName,
				ProjectProgressText(p), p.StatusLabel(), p.Weight, rollupLabel(p.Rollup)}, nil
		}))
	if err != nil {
		return err
	}
	i = 0
	err = streamTable(f, ListRespSheet, st, title+" · 工作落实责任清单", listRespColumns, sanlian.MaxListLines, "事项",
		tableFill(listRespColumns, func() ([]any, error) {
			if i == len(l.Responsibilities) {
				return nil, nil
			}
			r := l.Responsibilities[i]
			i++
			progress := r.Progress
			if !r.Derived {
				progress = r.CompletionNote
			}
			return []any{i, sanlian.MaskContacts(r.Task), r.SourceLabel(), r.SourceRef, r.UnitName, r.LeaderName, r.PersonName,
				sanlian.MaskContacts(r.Measures), r.Deadline, sanlian.MaskContacts(progress), r.StateLabel()}, nil
		}))
	if err != nil {
		return err
	}
	f.SetActiveSheet(0)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// problemProgress is a problem's 进展情况 on the lists: the reason it was
// not accepted, or the measures taken; the import reads it back so.
func problemProgress(p *sanlian.Problem) string {
	if p.State == sanlian.StateRejected {
		return p.RejectReason
	}
	return p.Measures
}

// rollupLabel is the Chinese name of a project's rollup.
func rollupLabel(r string) string {
	if r == sanlian.RollupWeighted {
		return "加权"
	}
	return "平均"
}

// orCode is a name, or the code it names when the name is unknown.
func orCode(name, code string) string {
	if name != "" {
		return name
	}
	return code
}
