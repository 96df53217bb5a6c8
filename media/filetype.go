// Package media tells what an uploaded file is from its bytes, cleans its
// name, and draws thumbnails of pictures upright by their EXIF orientation.
// It knows nothing of the domain: the rules that decide on a file (its size,
// the messages that refuse it) are the root package's, applied by the
// callers to what this package tells.
package media

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"net/http"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// FileType is a type of attachment sanlian accepts. It is told from a
// file's bytes, never from its name.
type FileType struct {
	ContentType string   // stored and served as Content-Type
	Label       string   // Chinese, for lists and messages
	Exts        []string // the extensions a filename of this type may carry; the first is the usual one
	Image       bool     // a picture, shown inline; Thumb says whether we draw a thumbnail
	Thumb       bool     // decodable with the standard library (JPEG, PNG, GIF; not WebP)
}

// The accepted types.
var (
	TypeJPEG = &FileType{"image/jpeg", "JPEG 图片", []string{".jpg", ".jpeg", ".jpe", ".jfif"}, true, true}
	TypePNG  = &FileType{"image/png", "PNG 图片", []string{".png"}, true, true}
	TypeGIF  = &FileType{"image/gif", "GIF 图片", []string{".gif"}, true, true}
	TypeWebP = &FileType{"image/webp", "WebP 图片", []string{".webp"}, true, false}
	TypePDF  = &FileType{"application/pdf", "PDF 文档", []string{".pdf"}, false, false}
	TypeDOCX = &FileType{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档",
		[]string{".docx", ".dotx", ".wps"}, false, false}
	TypeXLSX = &FileType{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格",
		[]string{".xlsx", ".xltx", ".et"}, false, false}
	TypePPTX = &FileType{"application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint 演示文稿",
		[]string{".pptx", ".ppsx", ".potx", ".dps"}, false, false}
	TypeDOC  = &FileType{"application/msword", "Word 文档（97-2003）", []string{".doc", ".wps", ".dot"}, false, false}
	TypeXLS  = &FileType{"application/vnd.ms-excel", "Excel 表格（97-2003）", []string{".xls", ".et", ".xlt"}, false, false}
	TypePPT  = &FileType{"application/vnd.ms-powerpoint", "PowerPoint 演示文稿（97-2003）", []string{".ppt", ".dps", ".pps", ".pot"}, false, false}
	TypeText = &FileType{"text/plain; charset=utf-8", "文本文件", []string{".txt", ".text", ".csv", ".log", ".md"}, false, false}
)

// FileTypes lists the accepted types (TypeText stands for every charset).
var FileTypes = []*FileType{TypeJPEG, TypePNG, TypeGIF, TypeWebP, TypePDF, TypeDOCX, TypeXLSX, TypePPTX, TypeDOC, TypeXLS, TypePPT, TypeText}

// TypeOf returns the accepted type with content type ct, or nil.
func TypeOf(ct string) *FileType {
	base, _, _ := strings.Cut(ct, ";")
	for _, t := range FileTypes {
		if b, _, _ := strings.Cut(t.ContentType, ";"); b == strings.TrimSpace(base) {
			return t
		}
	}
	return nil
}

// Label names the type with content type ct in Chinese, or returns ct
// when it is not an accepted type.
func Label(ct string) string {
	if t := TypeOf(ct); t != nil {
		return t.Label
	}
	return ct
}

// Detect tells the type of data from its bytes. For a type that is
// not accepted it returns nil and what data seems to be, in Chinese.
func Detect(data []byte) (*FileType, string) {
	switch {
	case len(data) == 0:
		return nil, "空文件"
	case bytes.HasPrefix(data, []byte("\x7fELF")), bytes.HasPrefix(data, []byte("MZ")), bytes.HasPrefix(data, []byte("\x00asm")),
		bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xce")), bytes.HasPrefix(data, []byte("\xfe\xed\xfa\xcf")),
		bytes.HasPrefix(data, []byte("\xce\xfa\xed\xfe")), bytes.HasPrefix(data, []byte("\xcf\xfa\xed\xfe")),
		bytes.HasPrefix(data, []byte("\xca\xfe\xba\xbe")):
		return nil, "可执行程序"
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return detectOLE(data)
	}
	ct := http.DetectContentType(data)
	base, _, _ := strings.Cut(ct, ";")
	switch base {
	case "image/jpeg":
		return TypeJPEG, ""
	case "image/png":
		return TypePNG, ""
	case "image/gif":
		return TypeGIF, ""
	case "image/webp":
		return TypeWebP, ""
	case "application/pdf":
		return TypePDF, ""
	case "application/zip":
		return detectOOXML(data)
	case "text/plain":
		return detectText(data)
	case "text/html":
		return nil, "网页（HTML）"
	case "text/xml":
		if containsFold(data, "<svg") {
			return nil, "矢量图（SVG）"
		}
		return nil, "XML 文件"
	case "application/x-gzip", "application/x-rar-compressed", "application/vnd.rar", "application/x-7z-compressed":
		return nil, "压缩包"
	case "image/bmp", "image/x-icon", "image/vnd.microsoft.icon":
		return nil, "BMP 或图标图片（请转为 JPEG 或 PNG 后上传）"
	case "application/postscript":
		return nil, "PostScript 文件"
	case "application/wasm":
		return nil, "可执行程序"
	}
	switch {
	case strings.HasPrefix(base, "audio/"), strings.HasPrefix(base, "video/"):
		return nil, "音频或视频"
	case strings.HasPrefix(base, "font/"):
		return nil, "字体文件"
	}
	return nil, "无法识别的文件"
}

// detectOLE tells the old binary Office formats (and WPS's, which share
// them) by the names of their streams, stored in UTF-16 in the compound
// file's directory. Other compound files — installers (.msi) above all —
// are refused.
func detectOLE(data []byte) (*FileType, string) {
	has := func(name string) bool { return bytes.Contains(data, utf16LE(name)) }
	switch {
	case has("_VBA_PROJECT"):
		return nil, "含宏的 Office 文档（请另存为不含宏的格式）"
	case has("EncryptedPackage"):
		return nil, "加密的 Office 文档（请取消密码后上传）"
	case has("WordDocument"):
		return TypeDOC, ""
	case has("Workbook"), has("Book"):
		return TypeXLS, ""
	case has("PowerPoint Document"):
		return TypePPT, ""
	}
	return nil, "无法识别的复合文档（如安装包）"
}

func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// detectOOXML accepts a ZIP only when it is a Word, Excel or PowerPoint
// package: it has a [Content_Types].xml entry and the parts of one of them.
// Only the central directory is read; nothing is decompressed.
func detectOOXML(data []byte) (*FileType, string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "无法读取的压缩包"
	}
	var types bool
	var kind *FileType
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasSuffix(name, "vbaproject.bin"):
			return nil, "含宏的 Office 文档（请另存为不含宏的格式）"
		case kind == nil && strings.HasPrefix(name, "word/"):
			kind = TypeDOCX
		case kind == nil && strings.HasPrefix(name, "xl/"):
			kind = TypeXLSX
		case kind == nil && strings.HasPrefix(name, "ppt/"):
			kind = TypePPTX
		}
	}
	if !types || kind == nil {
		return nil, "压缩包（ZIP）"
	}
	return kind, ""
}

// detectText accepts plain text in UTF-8, UTF-16 (with a byte-order mark)
// or, failing both, the GB18030 family that older Windows editors write.
// Markup and scripts are refused even when they look like text.
func detectText(data []byte) (*FileType, string) {
	var s string
	t := *TypeText
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		if len(data)%2 != 0 {
			return nil, "无法识别的文件"
		}
		be := data[0] == 0xfe
		u := make([]uint16, 0, len(data)/2-1)
		for i := 2; i+1 < len(data); i += 2 {
			if be {
				u = append(u, binary.BigEndian.Uint16(data[i:]))
			} else {
				u = append(u, binary.LittleEndian.Uint16(data[i:]))
			}
		}
		s = string(utf16.Decode(u))
		t.ContentType = "text/plain; charset=utf-16le"
		if be {
			t.ContentType = "text/plain; charset=utf-16be"
		}
	default:
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(body) {
			t.ContentType = "text/plain; charset=gb18030"
		}
		s = string(body)
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != 0x1b {
			return nil, "无法识别的二进制文件"
		}
	}
	head := strings.TrimLeft(s[:min(len(s), 64<<10)], " \t\r\n\f\ufeff")
	lower := strings.ToLower(head)
	switch {
	case strings.HasPrefix(head, "#!"):
		return nil, "脚本"
	case strings.HasPrefix(head, `{\rtf`):
		return nil, "RTF 文档（请另存为 .docx 或 PDF）"
	case strings.Contains(lower, "<svg"):
		return nil, "矢量图（SVG）"
	}
	for _, m := range []string{"<script", "<html", "<!doctype", "<iframe", "<body", "<object", "<embed", "<?xml"} {
		if strings.Contains(lower, m) {
			return nil, "网页（HTML）或标记语言文件"
		}
	}
	if strings.HasPrefix(head, "<") {
		return nil, "网页（HTML）或标记语言文件"
	}
	return &t, ""
}

func containsFold(data []byte, sub string) bool {
	return bytes.Contains(bytes.ToLower(data[:min(len(data), 64<<10)]), []byte(sub))
}
