package media

import (
	"archive/zip"
	"bytes"
	"image"
	"image/gif"
	"image/png"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	zipOf := func(names ...string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			w, _ := zw.Create(n)
			w.Write([]byte("<x/>"))
		}
		zw.Close()
		return buf.Bytes()
	}
	ole := func(streams ...string) []byte {
		b := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 504)...)
		for _, s := range streams {
			b = append(append(b, utf16LE(s)...), 0, 0)
		}
		return b
	}
	var pngBuf, gifBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 2, 2)))
	gif.Encode(&gifBuf, image.NewGray(image.Rect(0, 0, 2, 2)), nil)
	for _, c := range []struct {
		name string
		data []byte
		want *FileType // nil: refused
		ct   string
	}{
		{"png", pngBuf.Bytes(), TypePNG, "image/png"},
		{"gif", gifBuf.Bytes(), TypeGIF, "image/gif"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), TypeWebP, "image/webp"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), TypePDF, "application/pdf"},
		{"docx", zipOf("[Content_Types].xml", "word/document.xml"), TypeDOCX, TypeDOCX.ContentType},
		{"pptx", zipOf("[Content_Types].xml", "ppt/presentation.xml"), TypePPTX, TypePPTX.ContentType},
		{"doc", ole("Root Entry", "WordDocument", "1Table"), TypeDOC, "application/msword"},
		{"xls", ole("Root Entry", "Workbook"), TypeXLS, "application/vnd.ms-excel"},
		{"ppt", ole("Root Entry", "PowerPoint Document"), TypePPT, "application/vnd.ms-powerpoint"},
		{"utf-8", []byte("\xef\xbb\xbf村民反映"), TypeText, "text/plain; charset=utf-8"},
		{"gbk", []byte("\xb4\xe5\xc3\xf1\xb7\xb4\xd3\xb3"), TypeText, "text/plain; charset=gb18030"}, // 村民反映 in GBK
		{"utf-16", append([]byte{0xff, 0xfe}, utf16LE("村民反映")...), TypeText, "text/plain; charset=utf-16le"},
		{"utf-16 html", append([]byte{0xff, 0xfe}, utf16LE("<html><script>")...), nil, ""},
		{"msi", ole("Root Entry", "\u4840\u3f3f"), nil, ""},
		{"doc with macros", ole("WordDocument", "Macros", "_VBA_PROJECT"), nil, ""},
		{"encrypted", ole("EncryptedPackage", "EncryptionInfo"), nil, ""},
		{"xlsm", zipOf("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"), nil, ""},
		{"jar", zipOf("META-INF/MANIFEST.MF", "a/B.class"), nil, ""},
		{"html", []byte("<!doctype html><p>hi"), nil, ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), nil, ""},
		{"xml svg", []byte(`<?xml version="1.0"?><svg/>`), nil, ""},
		{"shebang", []byte("#!/usr/bin/env python\n"), nil, ""},
		{"rtf", []byte(`{\rtf1\ansi hello}`), nil, ""},
		{"binary after text", append([]byte(strings.Repeat("a", 600)), 0, 1, 2), nil, ""},
		{"elf", []byte("\x7fELF\x02\x01\x01"), nil, ""},
		{"pe", []byte("MZ\x90\x00"), nil, ""},
		{"mach-o", []byte("\xcf\xfa\xed\xfe\x07\x00"), nil, ""},
		{"gzip", []byte("\x1f\x8b\x08\x00\x00\x00"), nil, ""},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00"), nil, ""},
		{"empty", nil, nil, ""},
	} {
		ft, seems := Detect(c.data)
		switch {
		case c.want == nil && ft != nil:
			t.Errorf("%s: accepted as %s", c.name, ft.ContentType)
		case c.want == nil && seems == "":
			t.Errorf("%s: refused without saying what it is", c.name)
		case c.want != nil && ft == nil:
			t.Errorf("%s: refused as %s", c.name, seems)
		case c.want != nil && (ft.ContentType != c.ct || ft.Label != c.want.Label):
			t.Errorf("%s: %s, want %s", c.name, ft.ContentType, c.ct)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("长", 120) + ".pdf"
	for in, want := range map[string]string{
		"现场照片.jpg":               "现场照片.jpg",
		`C:\fakepath\整改报告.docx`:  "整改报告.docx",
		"../../etc/passwd":       "passwd",
		"a\x00b\r\nc.txt":        "abc.txt",
		"photo\u202egpj.exe":     "photogpj.exe", // right-to-left override removed
		`"引号"<尖括号>|.txt`:         "_引号__尖括号__.txt",
		"  . ":                   "附件",
		"":                       "附件",
		long:                     strings.Repeat("长", 96) + ".pdf",
		"name.\xff\xfe.txt":      "name._.txt",
		"tab\there.png":          "tabhere.png",
		"全角\u3000空格.png":         "全角 空格.png",
		"...hidden":              "hidden",
		strings.Repeat("a", 150): strings.Repeat("a", 100),
		"file." + strings.Repeat("x", 20) + strings.Repeat("b", 90): ("file." + strings.Repeat("x", 20) + strings.Repeat("b", 90))[:100],
	} {
		got := SanitizeFilename(in)
		if got != want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", in, got, want)
		}
		if n := len([]rune(got)); n > MaxFilename {
			t.Errorf("SanitizeFilename(%q) has %d characters", in, n)
		}
	}
}

func TestSniff(t *testing.T) {
	pdf := []byte("%PDF-1.4\n")
	for _, c := range []struct{ in, want string }{
		{"报告.pdf", "报告.pdf"},
		{"报告.PDF", "报告.PDF"},
		{"报告.jpg", "报告.pdf"},   // an accepted type's extension is replaced
		{"报告.v2", "报告.v2.pdf"}, // any other is kept and the true one added
		{"报告", "报告.pdf"},
		{strings.Repeat("长", 100) + ".jpg", strings.Repeat("长", 96) + ".pdf"},
	} {
		f := Sniff(c.in, pdf)
		if f.Type != TypePDF || f.Stored != c.want || f.RiskyExt != "" || f.Seems != "" {
			t.Errorf("Sniff(%q) = %+v; want %q", c.in, f, c.want)
		}
	}
	for name, ext := range map[string]string{"报告.pdf.exe": ".exe", "a.html": ".html", "x.svg": ".svg", "run.bat": ".bat", "宏.docm": ".docm"} {
		if f := Sniff(name, pdf); f.RiskyExt != ext || f.Name != name {
			t.Errorf("Sniff(%q): %+v, want risky %s", name, f, ext)
		}
	}
	if f := Sniff("照片.jpg", pdf); f.NotPicture() != TypePDF.Label {
		t.Errorf("a PDF named .jpg: not a picture %q", f.NotPicture())
	}
	if f := Sniff("空.txt", nil); f.Type != nil || f.Seems != "空文件" || f.NotPicture() != "" {
		t.Errorf("empty: %+v", f)
	}
	if got := Label(TypeDOCX.ContentType); got != "Word 文档" {
		t.Errorf("Label(docx) = %q", got)
	}
	if got := Label("text/plain; charset=gb18030"); got != TypeText.Label {
		t.Errorf("Label(gb18030 text) = %q", got)
	}
	if got := Label("application/x-unknown"); got != "application/x-unknown" {
		t.Errorf("Label(unknown) = %q", got)
	}
}
