package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// Limits of a workbook brought for import, beside sanlian.MaxImportSize.
const (
	// maxUnzipped bounds what a workbook may unpack to: a sheet of a
	// million rows fits, a zip bomb does not.
	maxUnzipped = 1 << 30
	// inMemoryPart is the largest part excelize keeps in memory; larger
	// sheets are unpacked to a temporary file and read as a stream.
	inMemoryPart = 16 << 20
	// headerRows is how far down a sheet its header row is looked for:
	// county files put titles and dates above it.
	headerRows = 30
	// date1904Offset is the days between the 1904 and 1900 date systems.
	date1904Offset = 1462
)

// Why a file cannot be read, said so that a clerk knows what to do.
var (
	msgCorrupt   = "文件已损坏或不是 Excel 工作簿：请确认上传的是 .xlsx 文件，可在 Excel 或 WPS 中打开后重新保存再导入"
	msgEncrypted = "文件已加密，请取消密码后再导入（Excel：文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码后保存）"
	msgXLS       = "这是旧版 Excel (.xls) 文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"
	msgCSV       = "这是 CSV 或文本文件，不是 Excel 工作簿：请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入"
	msgHTML      = "这是网页 (HTML) 或 XML 格式的表格，常见于其他系统导出的“.xls”：请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入"
	msgODS       = "这是 OpenDocument (.ods) 表格：请在 WPS 或 Excel 中另存为 .xlsx 后再导入"
	msgEmpty     = "文件是空的（0 字节）：请重新选择文件"
)

func unprocessable(msg string) error {
	return &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: msg}
}

// ReadImport opens a workbook of size bytes for import as kind and returns
// its data rows, read as a stream: the sheet named kind.Sheet, or else the
// first visible sheet that has the kind's header row within its first 30
// rows. Cells are read as stored (a date as its serial number), formula
// cells are marked, and rows with nothing in the kind's columns are
// skipped. A file over sanlian.MaxImportSize fails with ETOOLARGE before
// it is read; one that is not a readable .xlsx (corrupt, truncated,
// encrypted, .xls, .ods, .csv or a web page renamed, no header row) fails
// with EUNPROCESSABLE saying so in Chinese.
//
// When r is an *os.File it is opened again by name, so that excelize does
// not read the whole file into memory.
func ReadImport(r io.ReaderAt, size int64, kind *sanlian.ImportKind) (src sanlian.RowSource, err error) {
	if kind == nil {
		return nil, sanlian.Errorf(sanlian.EINVALID, "未指定导入类型")
	}
	if size > sanlian.MaxImportSize {
		return nil, sanlian.Errorf(sanlian.ETOOLARGE, "文件有 %s，超过导入上限 %s：请分成几个文件分别导入",
			sanlian.SizeLabel(size), sanlian.SizeLabel(sanlian.MaxImportSize))
	}
	if size <= 0 {
		return nil, unprocessable(msgEmpty)
	}
	if err := sniff(r, size); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, unprocessable(msgCorrupt)
	}
	pkg := newPackage(zr)
	if err := pkg.check(); err != nil {
		return nil, err
	}
	wb, err := pkg.workbook()
	if err != nil {
		return nil, err
	}
	f, err := openExcelize(r, size)
	if err != nil {
		return nil, err
	}
	s := &rowSource{kind: kind, f: f, date1904: wb.date1904}
	defer func() {
		if err != nil {
			if s.rows != nil {
				s.rows.Close()
			}
			f.Close()
		}
	}()
	var first *sheetInfo
	for _, sh := range wb.candidates(kind.Sheet) {
		if first == nil {
			first = sh
		}
		found, err := s.findHeader(sh)
		if err != nil {
			return nil, err
		}
		if found {
			if err := s.scanFormulas(pkg, sh); err != nil {
				return nil, err
			}
			return s, nil
		}
	}
	return nil, s.noHeader(first)
}

// sniff tells what a file is from its first bytes, and refuses what is
// not a zip with the reason.
func sniff(r io.ReaderAt, size int64) error {
	head := make([]byte, min(size, 4096))
	if n, err := r.ReadAt(head, 0); err != nil && !(errors.Is(err, io.EOF) && n == len(head)) {
		if n < 4 {
			return unprocessable(msgCorrupt)
		}
		head = head[:n]
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		if encryptedOOXML(r, size) {
			return unprocessable(msgEncrypted)
		}
		return unprocessable(msgXLS)
	}
	if kind := textKind(head); kind != "" {
		return unprocessable(kind)
	}
	return unprocessable(msgCorrupt)
}

// encryptedOOXML reports whether an OLE2 compound file holds an encrypted
// Office Open XML package (streams EncryptionInfo and EncryptedPackage)
// rather than a legacy .xls workbook. Directory entries are 128 bytes,
// aligned on 128 from the file's start for either sector size, and begin
// with the stream's UTF-16LE name and, at byte 64, its length in bytes
// with the terminating NUL.
func encryptedOOXML(r io.ReaderAt, size int64) bool {
	var name []byte
	for _, c := range "EncryptionInfo\x00" {
		name = append(name, byte(c), 0)
	}
	const entry = 128
	buf := make([]byte, 64*entry*16)
	for off := int64(512); off < size; off += int64(len(buf)) {
		n, _ := r.ReadAt(buf, off)
		for i := 0; i+entry <= n; i += entry {
			e := buf[i : i+entry]
			if bytes.HasPrefix(e, name) && e[64] == byte(len(name)) && e[65] == 0 {
				return true
			}
		}
		if n < len(buf) {
			break
		}
	}
	return false
}

// textKind names a file that is text rather than a workbook (CSV, tab
// separated, a web page or an XML spreadsheet), or returns "".
func textKind(head []byte) string {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return msgCSV // Excel's "Unicode text": UTF-16 with a BOM
	}
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	if len(head) == 0 {
		return ""
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return ""
		}
	}
	if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '<' {
		return msgHTML
	}
	return msgCSV
}

// openExcelize opens the workbook with bounded unpacking: parts past
// inMemoryPart go to temporary files, and the whole may not unpack past
// maxUnzipped.
func openExcelize(r io.ReaderAt, size int64) (*excelize.File, error) {
	opts := excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: inMemoryPart}
	var f *excelize.File
	var err error
	if file, ok := r.(*os.File); ok {
		f, err = excelize.OpenFile(file.Name(), opts)
	} else {
		f, err = excelize.OpenReader(io.NewSectionReader(r, 0, size), opts)
	}
	switch {
	case err == nil:
		return f, nil
	case errors.Is(err, excelize.ErrWorkbookPassword):
		return nil, unprocessable(msgEncrypted)
	case errors.Is(err, excelize.ErrWorkbookFileFormat):
		return nil, unprocessable(msgXLS)
	}
	if f != nil {
		f.Close()
	}
	return nil, unprocessable(msgCorrupt)
}

// pkg is the zip package of a workbook, read beside excelize for what
// excelize does not tell: where a sheet's XML is, and whether it holds
// formulas.
type pkg struct {
	files map[string]*zip.File // by lower-case name
}

func newPackage(zr *zip.Reader) *pkg {
	p := &pkg{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		p.files[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}
	return p
}

// check refuses a package that unpacks too large or is an OpenDocument
// spreadsheet.
func (p *pkg) check() error {
	var total uint64
	for _, f := range p.files {
		total += f.UncompressedSize64
	}
	if total > maxUnzipped {
		return sanlian.Errorf(sanlian.ETOOLARGE, "文件解压后超过 %s：请分成几个文件分别导入", sanlian.SizeLabel(maxUnzipped))
	}
	if b, err := p.read("mimetype", 200); err == nil && bytes.HasPrefix(b, []byte("application/vnd.oasis.opendocument")) {
		return unprocessable(msgODS)
	}
	return nil
}

// open opens the part at name (without a leading slash).
func (p *pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return nil, fmt.Errorf("xlsx: no part %s", name)
	}
	return f.Open()
}

// read reads a small part whole, refusing one past limit bytes.
func (p *pkg) read(name string, limit int64) ([]byte, error) {
	rc, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("xlsx: part %s over %d bytes", name, limit)
	}
	return b, err
}

// sheetInfo is a sheet as the workbook lists it.
type sheetInfo struct {
	name, state, part string
}

// workbookInfo is what the reader needs of xl/workbook.xml.
type workbookInfo struct {
	sheets   []*sheetInfo
	date1904 bool
}

// workbook reads the sheet list, each sheet's part and the date system.
func (p *pkg) workbook() (*workbookInfo, error) {
	const small = 16 << 20
	wbPath := "xl/workbook.xml"
	if b, err := p.read("_rels/.rels", small); err == nil {
		for _, target := range relationships(b, "/officeDocument") {
			wbPath = resolvePart("", target)
		}
	}
	b, err := p.read(wbPath, small)
	if err != nil {
		return nil, unprocessable(msgCorrupt)
	}
	wb := &workbookInfo{}
	ids := map[*sheetInfo]string{}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, unprocessable(msgCorrupt)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" && (a.Value == "1" || a.Value == "true") {
					wb.date1904 = true
				}
			}
		case "sheet":
			sh := &sheetInfo{}
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name" && a.Name.Space == "":
					sh.name = a.Value
				case a.Name.Local == "state" && a.Name.Space == "":
					sh.state = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					ids[sh] = a.Value
				}
			}
			wb.sheets = append(wb.sheets, sh)
		}
	}
	relsPath := path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")
	rb, err := p.read(relsPath, small)
	if err != nil {
		return nil, unprocessable(msgCorrupt)
	}
	targets := relationships(rb, "")
	for _, sh := range wb.sheets {
		if t, ok := targets[ids[sh]]; ok {
			sh.part = resolvePart(path.Dir(wbPath), t)
		}
	}
	if len(wb.sheets) == 0 {
		return nil, unprocessable("工作簿中没有工作表：" + msgCorrupt)
	}
	return wb, nil
}

// relationships reads a .rels part: targets by id, of the relationships
// whose type ends with typeSuffix ("" for all).
func relationships(b []byte, typeSuffix string) map[string]string {
	out := map[string]string{}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
			Mode   string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if xml.Unmarshal(b, &rels) != nil {
		return out
	}
	for _, r := range rels.Rel {
		if r.Mode != "External" && strings.HasSuffix(r.Type, typeSuffix) {
			out[r.ID] = r.Target
		}
	}
	return out
}

// resolvePart turns a relationship's target into a part name.
func resolvePart(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join("/", dir, target), "/")
}

// candidates are the sheets to look for the header in: the kind's own
// sheet when the workbook has it, else every visible sheet in order (every
// sheet if all are hidden).
func (wb *workbookInfo) candidates(preferred string) []*sheetInfo {
	for _, sh := range wb.sheets {
		if sanlian.NormalizeCell(sh.name) == preferred {
			return []*sheetInfo{sh}
		}
	}
	var out []*sheetInfo
	for _, sh := range wb.sheets {
		if sh.state == "" || sh.state == "visible" {
			out = append(out, sh)
		}
	}
	if len(out) == 0 {
		return wb.sheets
	}
	return out
}

// rowSource yields the data rows of a sheet after its header row.
type rowSource struct {
	kind     *sanlian.ImportKind
	f        *excelize.File
	rows     *excelize.Rows
	sheet    *sheetInfo
	cols     []int
	line     int // the sheet row last read, 1-based
	date1904 bool
	formulas *formulaScanner // nil when the sheet has no formula
	cells    []sanlian.Cell
	closed   bool

	pending    []string // a row read after the header that is data
	hasPending bool

	best      []int // the closest header row seen, for the message
	bestSheet string
	bestLine  int
	bestFound int
}

var rawValues = excelize.Options{RawCellValue: true}

// findHeader looks for the kind's header in the first rows of sh. When
// found, the source is left just after it.
func (s *rowSource) findHeader(sh *sheetInfo) (bool, error) {
	rows, err := s.f.Rows(sh.name)
	if err != nil {
		return false, unprocessable(msgCorrupt)
	}
	for line := 1; line <= headerRows && rows.Next(); line++ {
		vals, err := rows.Columns(rawValues)
		if err != nil {
			rows.Close()
			return false, unprocessable(fmt.Sprintf("工作表「%s」第 %d 行无法读取：%s", sh.name, line, msgCorrupt))
		}
		cols, ok := s.kind.MatchHeader(vals)
		if ok {
			s.rows, s.sheet, s.cols, s.line = rows, sh, cols, line
			if !rows.Next() {
				return true, nil
			}
			next, err := rows.Columns(rawValues)
			if err != nil {
				return false, unprocessable(fmt.Sprintf("工作表「%s」第 %d 行无法读取：%s", sh.name, line+1, msgCorrupt))
			}
			s.line++
			if cols, ok := subHeader(s.kind, vals, next, cols); ok {
				s.cols = cols
			} else {
				s.pending, s.hasPending = next, true
			}
			return true, nil
		}
		if n := len(s.kind.RequiredHeaders()) - len(s.kind.MissingHeaders(cols)); n > s.bestFound {
			s.best, s.bestSheet, s.bestLine, s.bestFound = cols, sh.name, line, n
		}
	}
	return false, rows.Close()
}

// subHeader tells whether next, the row under the header row top, is
// the second row of a two-row header: the columns' own names under
// merged group cells (家庭情况 over 家庭人口 and 住址), beside names that
// are merged down over both rows and so leave next blank under every
// required column. It returns the columns of the two rows read as one,
// each cell of next standing for the cell above it.
func subHeader(k *sanlian.ImportKind, top, next []string, cols []int) ([]int, bool) {
	for i, c := range k.Columns {
		if j := cols[i]; c.Required && j < len(next) && sanlian.NormalizeCell(next[j]) != "" {
			return nil, false
		}
	}
	both := make([]string, max(len(top), len(next)))
	for j := range both {
		if j < len(next) && sanlian.NormalizeCell(next[j]) != "" {
			both[j] = next[j]
		} else if j < len(top) {
			both[j] = top[j]
		}
	}
	cols2, ok := k.MatchHeader(both)
	found := func(cs []int) int {
		n := 0
		for _, c := range cs {
			if c >= 0 {
				n++
			}
		}
		return n
	}
	if !ok || found(cols2) <= found(cols) {
		return nil, false
	}
	return cols2, true
}

// noHeader says which columns were not found, and where they were looked
// for.
func (s *rowSource) noHeader(first *sheetInfo) error {
	quote := func(hs []string) string { return "「" + strings.Join(hs, "」「") + "」" }
	if first == nil {
		return unprocessable("工作簿中没有工作表：" + msgCorrupt)
	}
	where := "第一张工作表"
	if sanlian.NormalizeCell(first.name) == s.kind.Sheet {
		where = "工作表"
	}
	msg := fmt.Sprintf("未找到表头：请确认%s「%s」的前 %d 行中有一行表头，含有列%s", where, first.name, headerRows, quote(s.kind.RequiredHeaders()))
	if s.best != nil {
		at := ""
		if s.bestSheet != first.name {
			at = "工作表「" + s.bestSheet + "」"
		}
		msg += fmt.Sprintf("（%s第 %d 行缺少%s）", at, s.bestLine, quote(s.kind.MissingHeaders(s.best)))
	}
	return unprocessable(msg)
}

// scanFormulas prepares the formula scan of the chosen sheet. Formulas
// are rare in a list brought for import: a quick byte scan of the sheet's
// XML decides whether the XML needs to be read a second time for them.
func (s *rowSource) scanFormulas(p *pkg, sh *sheetInfo) error {
	if sh.part == "" {
		return unprocessable(msgCorrupt)
	}
	rc, err := p.open(sh.part)
	if err != nil {
		return unprocessable(msgCorrupt)
	}
	has, err := hasFormula(rc)
	rc.Close()
	if err != nil {
		return unprocessable(msgCorrupt)
	}
	if !has {
		return nil
	}
	rc, err = p.open(sh.part)
	if err != nil {
		return unprocessable(msgCorrupt)
	}
	s.formulas = newFormulaScanner(rc)
	return nil
}

// Next implements sanlian.RowSource.
func (s *rowSource) Next() (*sanlian.ImportRow, error) {
	if s.closed {
		return nil, errors.New("xlsx: row source closed")
	}
	for {
		var vals []string
		if s.hasPending {
			vals, s.pending, s.hasPending = s.pending, nil, false
		} else if s.rows.Next() {
			s.line++
			var err error
			if vals, err = s.rows.Columns(rawValues); err != nil {
				return nil, unprocessable(fmt.Sprintf("第 %d 行无法读取：%s", s.line, msgCorrupt))
			}
		} else {
			break
		}
		cells := s.cells[:0]
		for _, v := range vals {
			cells = append(cells, sanlian.Cell{Text: v})
		}
		s.cells = cells
		if s.formulas != nil {
			fs, err := s.formulas.cols(s.line)
			if err != nil {
				return nil, unprocessable(fmt.Sprintf("第 %d 行附近无法读取：%s", s.line, msgCorrupt))
			}
			for _, c := range fs {
				if c < len(cells) {
					cells[c].Formula = true
				}
			}
		}
		if sanlian.EmptyRow(cells, s.cols) {
			continue
		}
		if s.date1904 {
			s.shiftDates(cells)
		}
		return s.kind.ParseRow(s.line, cells, s.cols), nil
	}
	if err := s.rows.Error(); err != nil {
		return nil, unprocessable("工作表的行数超过 Excel 的上限，文件可能已损坏")
	}
	return nil, nil
}

// shiftDates moves the serial numbers of the date columns of a workbook
// in the 1904 date system (old Mac Excel) to the 1900 system.
func (s *rowSource) shiftDates(cells []sanlian.Cell) {
	for i, c := range s.kind.Columns {
		j := s.cols[i]
		if c.Type != sanlian.ColDate || j < 0 || j >= len(cells) {
			continue
		}
		whole, frac, hasFrac := strings.Cut(cells[j].Text, ".")
		n, err := strconv.Atoi(whole)
		if err != nil || n < 0 || n > 99999 {
			continue
		}
		cells[j].Text = strconv.Itoa(n + date1904Offset)
		if hasFrac {
			cells[j].Text += "." + frac
		}
	}
}

// Close implements sanlian.RowSource: it removes excelize's temporary
// files.
func (s *rowSource) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
	}
	if s.formulas != nil {
		errs = append(errs, s.formulas.Close())
	}
	errs = append(errs, s.f.Close())
	return errors.Join(errs...)
}

// hasFormula reports whether sheet XML may hold a formula: an element
// whose local name is f (<f>, <f t="shared" …/>, <x:f>). It scans bytes,
// not XML, and may say yes for text that only looks like one; the
// formula scanner then reads the XML properly.
func hasFormula(r io.Reader) (bool, error) {
	// Each chunk is read after the last carry bytes of the one before, so
	// that a tag cut in two by the chunking is seen whole; the chunk's last
	// byte is checked with the next chunk, which holds the byte after it.
	const carry = 64
	buf := make([]byte, carry+64<<10)
	for {
		n, err := io.ReadFull(r, buf[carry:])
		chunk := buf[:carry+n]
		for i := carry - 1; i < len(chunk)-1; i++ {
			j := bytes.IndexByte(chunk[i:len(chunk)-1], 'f')
			if j < 0 {
				break
			}
			i += j
			if isTagStart(chunk, i) && isNameEnd(chunk[i+1]) {
				return true, nil
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return false, nil // an "f" as the part's last byte ends no tag
		} else if err != nil {
			return false, err
		}
		copy(buf[:carry], chunk[len(chunk)-carry:])
	}
}

// isTagStart reports whether the "f" at b[i] is the local name of a tag:
// right after "<", or after "<prefix:".
func isTagStart(b []byte, i int) bool {
	if i == 0 {
		return false
	}
	if b[i-1] == '<' {
		return true
	}
	if b[i-1] != ':' {
		return false
	}
	for k := i - 2; k >= 0 && k >= i-40; k-- {
		switch c := b[k]; {
		case c == '<':
			return k < i-2
		case c == '_' || c == '-' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return false
}

func isNameEnd(c byte) bool {
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// formulaScanner reads a sheet's XML beside excelize's row iterator, row
// by row, and tells which cells of a row are formulas. It holds one row
// and the array formulas that reach past it, whatever the sheet's size.
type formulaScanner struct {
	rc       io.ReadCloser
	dec      *xml.Decoder
	aheadRow int   // the row read last, ahead of or at the one asked for
	ahead    []int // its formula columns, 0-based
	arrays   []cellRange
	done     bool
	err      error
}

// cellRange is the block of an array formula, 1-based and inclusive.
type cellRange struct{ c1, r1, c2, r2 int }

// maxArrays bounds the array formulas remembered at once.
const maxArrays = 10000

func newFormulaScanner(rc io.ReadCloser) *formulaScanner {
	return &formulaScanner{rc: rc, dec: xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))}
}

// cols returns the 0-based columns of the formula cells of sheet row line.
// Lines are asked in increasing order.
func (s *formulaScanner) cols(line int) ([]int, error) {
	for !s.done && s.aheadRow < line {
		s.readRow()
	}
	if s.err != nil {
		return nil, s.err
	}
	var out []int
	if s.aheadRow == line {
		out = append(out, s.ahead...)
	}
	keep := s.arrays[:0]
	for _, a := range s.arrays {
		if a.r2 < line {
			continue
		}
		keep = append(keep, a)
		if a.r1 <= line {
			for c := a.c1; c <= a.c2 && c-a.c1 < 16384; c++ {
				out = append(out, c-1)
			}
		}
	}
	s.arrays = keep
	return out, nil
}

// readRow reads the next <row> element: its number and formula columns.
func (s *formulaScanner) readRow() {
	s.ahead = s.ahead[:0]
	inRow, inCell, col := false, false, 0
	for {
		tok, err := s.dec.RawToken()
		if err == io.EOF {
			s.done = true
			return
		} else if err != nil {
			s.done, s.err = true, err
			return
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				inRow, col = true, 0
				n := s.aheadRow + 1
				if v := attr(t, "r"); v != "" {
					if r, err := strconv.Atoi(v); err == nil && r > 0 {
						n = r
					}
				}
				s.aheadRow = n
			case "c":
				if !inRow {
					continue
				}
				inCell = true
				col++
				if v := attr(t, "r"); v != "" {
					if c, _, err := excelize.CellNameToCoordinates(v); err == nil {
						col = c
					}
				}
			case "f":
				if !inCell {
					continue
				}
				s.ahead = append(s.ahead, col-1)
				if attr(t, "t") == "array" && len(s.arrays) < maxArrays {
					if a, ok := parseRange(attr(t, "ref")); ok && (a.r2 > a.r1 || a.c2 > a.c1) {
						s.arrays = append(s.arrays, a)
					}
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				inCell = false
			case "row":
				if inRow {
					return
				}
			case "sheetData":
				s.done = true
				return
			}
		}
	}
}

// Close closes the sheet part.
func (s *formulaScanner) Close() error { return s.rc.Close() }

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// parseRange reads "C2:C10" (or a single "C2").
func parseRange(ref string) (cellRange, bool) {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		to = from
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil || c2 < c1 || r2 < r1 {
		return cellRange{}, false
	}
	return cellRange{c1, r1, c2, r2}, true
}

// Templates.

// templateRows is how far down the template's column formats and drop-down
// lists reach.
const templateRows = 5000

// WriteTemplate writes the import template of kind to w: one sheet named
// kind.Sheet with a title row, the header row (required columns marked
// with a red "*", each note in the header cell's comment), and the example
// row; the columns of ID numbers, phones and other text are formatted as
// text so that Excel keeps 18-digit numbers whole, date columns as dates,
// and the columns with a fixed set of values offer them in a drop-down. A
// second sheet, 填写说明, explains every column. Reading the template back
// gives the example row.
func WriteTemplate(w io.Writer, kind *sanlian.ImportKind) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	sh := kind.Sheet
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	st, err := newTemplateStyles(f)
	if err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}
	n := len(kind.Columns)
	last, _ := excelize.ColumnNumberToName(n)
	if err := f.SetCellValue(sh, "A1", kind.Label+"导入模板"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.MergeCell(sh, "A1", last+"1"); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetCellStyle(sh, "A1", last+"1", st.title); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetRowHeight(sh, 1, 30); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, c := range kind.Columns {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := templateColumn(f, sh, st, name, &c); err != nil {
			return fmt.Errorf("xlsx: column %s: %w", c.Header, err)
		}
	}
	if err := f.SetRowHeight(sh, 2, 24); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := writeTemplateHelp(f, st, kind); err != nil {
		return fmt.Errorf("xlsx: help: %w", err)
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// templateStyles are the template's cell styles.
type templateStyles struct {
	title, header, text, date, number, help, helpHeader int
}

func newTemplateStyles(f *excelize.File) (*templateStyles, error) {
	border := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	st := &templateStyles{}
	for _, s := range []struct {
		id    *int
		style *excelize.Style
	}{
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}}},
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, NumFmt: 49,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.text, &excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Vertical: "top"}}}, // "@": text
		{&st.date, &excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd"), Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.number, &excelize.Style{NumFmt: 1, Alignment: &excelize.Alignment{Vertical: "top"}}}, // "0"
		{&st.help, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.helpHeader, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
	} {
		id, err := f.NewStyle(s.style)
		if err != nil {
			return nil, err
		}
		*s.id = id
	}
	return st, nil
}

// templateColumn writes one column of the template: its format and width,
// the header with its mark and comment, the example, and a drop-down for
// a fixed set of values.
func templateColumn(f *excelize.File, sh string, st *templateStyles, col string, c *sanlian.ImportColumn) error {
	style := st.text
	switch c.Type {
	case sanlian.ColDate:
		style = st.date
	case sanlian.ColInt:
		style = st.number
	}
	if err := f.SetColStyle(sh, col, style); err != nil {
		return err
	}
	width := float64(max(utf8.RuneCountInString(c.Header)*2+4, utf8.RuneCountInString(c.Example)*2+2, 10))
	if c.Type == sanlian.ColID {
		width = 22
	}
	if err := f.SetColWidth(sh, col, col, min(width, 44)); err != nil {
		return err
	}
	header := []excelize.RichTextRun{{Text: c.Header, Font: &excelize.Font{Bold: true}}}
	if c.Required {
		header = append(header, excelize.RichTextRun{Text: "*", Font: &excelize.Font{Bold: true, Color: "FF0000"}})
	}
	if err := f.SetCellRichText(sh, col+"2", header); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, col+"2", col+"2", st.header); err != nil {
		return err
	}
	if note := columnHelp(c); note != "" {
		if err := f.AddComment(sh, excelize.Comment{Cell: col + "2", Author: "填写说明", Text: note, Width: 240, Height: 90}); err != nil {
			return err
		}
	}
	if c.Example != "" {
		var v any = c.Example
		switch c.Type {
		case sanlian.ColInt:
			if n, err := strconv.Atoi(c.Example); err == nil {
				v = n
			}
		case sanlian.ColDate:
			if d, err := time.Parse(time.DateOnly, c.Example); err == nil {
				v = d
			}
		}
		if err := f.SetCellValue(sh, col+"3", v); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, col+"3", col+"3", style); err != nil {
			return err
		}
	}
	var list []string
	switch c.Type {
	case sanlian.ColChoice:
		for _, ch := range c.Choices {
			list = append(list, ch.Label)
		}
	case sanlian.ColBool:
		list = []string{"是", "否"}
	}
	if list != nil {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s3:%s%d", col, col, templateRows)
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, "请从下拉列表中选择", "可填："+strings.Join(list, "、"))
		if err := f.AddDataValidation(sh, dv); err != nil {
			return err
		}
	}
	return nil
}

// columnHelp says how to fill a column: its note, its format, its values.
func columnHelp(c *sanlian.ImportColumn) string {
	var parts []string
	if c.Note != "" {
		parts = append(parts, c.Note)
	}
	switch c.Type {
	case sanlian.ColDate:
		parts = append(parts, "日期，如 2021-05-20")
	case sanlian.ColInt:
		parts = append(parts, "整数")
	case sanlian.ColID:
		parts = append(parts, "18 位身份证号，按文本填写")
	case sanlian.ColPhone:
		parts = append(parts, "手机 11 位，座机带区号")
	case sanlian.ColChoice:
		labels := make([]string, len(c.Choices))
		for i, ch := range c.Choices {
			labels[i] = ch.Label
		}
		parts = append(parts, "可填："+strings.Join(labels, "、"))
	case sanlian.ColBool:
		if c.Note == "" {
			parts = append(parts, "是 或 否")
		}
	}
	if c.Type == sanlian.ColText {
		parts = append(parts, fmt.Sprintf("不超过 %d 字", limitOf(c)))
	}
	return strings.Join(parts, "；")
}

func limitOf(c *sanlian.ImportColumn) int {
	if c.Max > 0 {
		return c.Max
	}
	return sanlian.DefaultImportMax
}

// helpSheet is the name of the template's second sheet.
const helpSheet = "填写说明"

// writeTemplateHelp adds the sheet that explains the template.
func writeTemplateHelp(f *excelize.File, st *templateStyles, kind *sanlian.ImportKind) error {
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	lines := []string{
		kind.Label + "导入模板填写说明",
		"1. 请在工作表「" + kind.Sheet + "」中填写，第 2 行是表头，请勿修改列名；列的顺序可以调整，多余的列会被忽略。",
		"2. 第 3 行是示例，导入前请改为真实数据或删除；表头下的空行会被跳过。",
		"3. 标红色 * 的列必须填写。身份证号、电话等列已设为文本格式，请勿改成数值，否则 18 位号码的后几位会丢失。",
		"4. 请填写数值，不要使用公式；从其他表格复制时请用“选择性粘贴 → 数值”。",
		"5. 导入时逐行检查：全部正确才写入；有一行出错，整个文件都不导入，并列出每一处错误的行号和列名。",
	}
	for i, l := range lines {
		if err := f.SetCellValue(helpSheet, fmt.Sprintf("A%d", i+1), l); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(helpSheet, "A1", "A1", st.helpHeader); err != nil {
		return err
	}
	top := len(lines) + 2
	if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", top), &[]any{"列名", "是否必填", "填写要求", "示例"}); err != nil {
		return err
	}
	if err := f.SetCellStyle(helpSheet, fmt.Sprintf("A%d", top), fmt.Sprintf("D%d", top), st.helpHeader); err != nil {
		return err
	}
	for i, c := range kind.Columns {
		req := "选填"
		if c.Required {
			req = "必填"
		}
		cell := fmt.Sprintf("A%d", top+1+i)
		if err := f.SetSheetRow(helpSheet, cell, &[]any{c.Header, req, columnHelp(&c), c.Example}); err != nil {
			return err
		}
		if err := f.SetCellStyle(helpSheet, cell, fmt.Sprintf("D%d", top+1+i), st.help); err != nil {
			return err
		}
	}
	for col, w := range map[string]float64{"A": 18, "B": 10, "C": 60, "D": 30} {
		if err := f.SetColWidth(helpSheet, col, col, w); err != nil {
			return err
		}
	}
	return nil
}
