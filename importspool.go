package sanlian

import (
	"bufio"
	"encoding/gob"
	"errors"
	"io"
	"os"
)

// SpoolRows reads a file's rows once for an import that reads them twice.
// The opener it returns streams rows from read the first time, copying each
// to a temporary file as it passes; once that pass has reached the end,
// later opens replay the copy instead of parsing the workbook again (which
// for an .xlsx is most of an import's time). A first pass that stopped
// early leaves later opens reading the file afresh. cleanup removes the
// copy; call it when the import is over.
func SpoolRows(read func() (RowSource, error)) (open func() (RowSource, error), cleanup func()) {
	sp := &spool{read: read}
	return sp.open, sp.cleanup
}

type spool struct {
	read     func() (RowSource, error)
	tmp      *os.File
	complete bool // tmp holds every row
}

func (sp *spool) open() (RowSource, error) {
	if sp.complete {
		if _, err := sp.tmp.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return &replay{dec: gob.NewDecoder(bufio.NewReaderSize(sp.tmp, 64<<10))}, nil
	}
	src, err := sp.read()
	if err != nil {
		return nil, err
	}
	if sp.tmp != nil { // a first pass that stopped early: read afresh, copy nothing
		return src, nil
	}
	tmp, err := os.CreateTemp("", "sanlian-import-*.rows")
	if err != nil {
		return src, nil // no copy: later opens read the file again
	}
	sp.tmp = tmp
	w := bufio.NewWriterSize(tmp, 64<<10)
	return &recorder{RowSource: src, sp: sp, w: w, enc: gob.NewEncoder(w)}, nil
}

func (sp *spool) cleanup() {
	if sp.tmp != nil {
		sp.tmp.Close()
		os.Remove(sp.tmp.Name())
		sp.tmp, sp.complete = nil, false
	}
}

// recorder passes rows through, copying them to the spool.
type recorder struct {
	RowSource
	sp     *spool
	w      *bufio.Writer
	enc    *gob.Encoder
	failed bool
}

func (r *recorder) Next() (*ImportRow, error) {
	row, err := r.RowSource.Next()
	if err != nil {
		r.failed = true
		return nil, err
	}
	if r.failed {
		return row, nil
	}
	if row == nil {
		if r.w.Flush() == nil {
			r.sp.complete = true
		}
		r.failed = true // nothing more to record
		return nil, nil
	}
	if r.enc.Encode(row) != nil {
		r.failed = true
	}
	return row, nil
}

// replay reads the spooled rows back.
type replay struct{ dec *gob.Decoder }

func (r *replay) Next() (*ImportRow, error) {
	row := &ImportRow{}
	if err := r.dec.Decode(row); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, &Error{Code: EUNPROCESSABLE, Message: "导入过程中读取暂存数据失败，请重新导入"}
	}
	if row.Values == nil {
		row.Values = map[string]string{}
	}
	return row, nil
}

func (r *replay) Close() error { return nil }
