package sanlian

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Attachment limits.
const (
	// DefaultMaxUpload is the size limit of one attachment when none is configured.
	DefaultMaxUpload = 10 << 20
	// MaxFilename is the longest stored filename, in characters.
	MaxFilename = 100
	// ThumbSize bounds a thumbnail's width and height, in pixels.
	ThumbSize = 240
	// MaxImagePixels is the largest image decoded for a thumbnail: a
	// decompression bomb of a few kilobytes cannot make the server
	// allocate gigabytes.
	MaxImagePixels = 40_000_000
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

// acceptedList is the sentence every refusal ends with.
const acceptedList = "仅接收照片（JPEG、PNG、GIF、WebP）、PDF、Word/Excel/PowerPoint/WPS 文档和纯文本文件"

// FileTypeOf returns the accepted type with content type ct, or nil.
func FileTypeOf(ct string) *FileType {
	base, _, _ := strings.Cut(ct, ";")
	for _, t := range FileTypes {
		if b, _, _ := strings.Cut(t.ContentType, ";"); b == strings.TrimSpace(base) {
			return t
		}
	}
	return nil
}

// DetectFileType tells the type of data from its bytes. For a type that is
// not accepted it returns nil and what data seems to be, in Chinese.
func DetectFileType(data []byte) (*FileType, string) {
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

// dangerousExts are names a user's computer would run or render, whatever
// the content; a file so named is refused.
var dangerousExts = map[string]bool{
	".exe": true, ".com": true, ".bat": true, ".cmd": true, ".scr": true, ".pif": true, ".msi": true, ".msp": true,
	".dll": true, ".sys": true, ".cpl": true, ".jar": true, ".js": true, ".jse": true, ".mjs": true, ".vbs": true,
	".vbe": true, ".wsf": true, ".wsh": true, ".ps1": true, ".psm1": true, ".hta": true, ".lnk": true, ".reg": true,
	".sh": true, ".bash": true, ".py": true, ".pl": true, ".php": true, ".asp": true, ".aspx": true, ".jsp": true,
	".htm": true, ".html": true, ".xhtml": true, ".shtml": true, ".mht": true, ".mhtml": true, ".svg": true,
	".svgz": true, ".xml": true, ".xsl": true, ".swf": true, ".apk": true, ".app": true, ".deb": true, ".rpm": true,
	".url": true, ".scf": true, ".inf": true, ".chm": true, ".docm": true, ".xlsm": true, ".pptm": true, ".dotm": true,
	".xltm": true, ".potm": true, ".ppsm": true,
}

// SanitizeFilename keeps the base name of a client's filename: no
// directories, no control or invisible formatting characters (which can
// disguise "exe" as "jpg"), no characters Windows forbids, at most
// MaxFilename characters with the extension kept. Chinese stays as it is.
func SanitizeFilename(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		name = "附件"
	}
	return limitName(name, MaxFilename)
}

// limitName shortens name to n characters, keeping a short extension.
func limitName(name string, n int) string {
	r := []rune(name)
	if len(r) <= n {
		return name
	}
	ext := []rune(path.Ext(name))
	if len(ext) > 10 || len(ext) >= n {
		ext = nil
	}
	stem := r[:len(r)-len(ext)]
	return strings.TrimRight(string(stem[:n-len(ext)]), " .") + string(ext)
}

// CheckUpload decides on a file before it is stored: size, type from the
// content, and a filename that says what the file is. It returns the
// filename to store and the detected type, or ETOOLARGE or EUNPROCESSABLE
// with a message naming the file.
func CheckUpload(filename string, data []byte, max int64) (string, *FileType, error) {
	name := SanitizeFilename(filename)
	if max <= 0 {
		max = DefaultMaxUpload
	}
	if int64(len(data)) > max {
		return "", nil, &Error{Code: ETOOLARGE, Message: fmt.Sprintf("「%s」超过 %s 的上限，请压缩或拆分后再上传", name, SizeLabel(max)),
			Fields: map[string]string{"file": "文件超过 " + SizeLabel(max)}}
	}
	ft, seems := DetectFileType(data)
	if ft == nil {
		msg := fmt.Sprintf("「%s」的内容是%s，不予接收。%s", name, seems, acceptedList)
		if seems == "空文件" {
			msg = fmt.Sprintf("「%s」是空文件，请重新选择", name)
		}
		return "", nil, &Error{Code: EUNPROCESSABLE, Message: msg, Fields: map[string]string{"file": "文件类型不予接收：" + seems}}
	}
	ext := strings.ToLower(path.Ext(name))
	if dangerousExts[ext] {
		return "", nil, &Error{Code: EUNPROCESSABLE, Message: fmt.Sprintf("「%s」的扩展名 %s 属于程序、脚本或网页，不予接收。%s", name, ext, acceptedList),
			Fields: map[string]string{"file": "扩展名 " + ext + " 不予接收"}}
	}
	if !contains(ft.Exts, ext) {
		// The name must say what the content is, so that the computer that
		// downloads it opens it with the right program.
		stem := name
		for _, t := range FileTypes {
			if ext != "" && contains(t.Exts, ext) {
				stem = strings.TrimSuffix(name, path.Ext(name))
				break
			}
		}
		name = limitName(stem, MaxFilename-len([]rune(ft.Exts[0]))) + ft.Exts[0]
	}
	return name, ft, nil
}

// SizeLabel formats a byte count for people: 10 MB, 2.5 MB, 120 KB.
func SizeLabel(n int64) string {
	trim := func(v float64, unit string) string {
		s := fmt.Sprintf("%.1f", v)
		return strings.TrimSuffix(s, ".0") + " " + unit
	}
	switch {
	case n >= 1<<20:
		return trim(float64(n)/(1<<20), "MB")
	case n >= 1<<10:
		return trim(float64(n)/(1<<10), "KB")
	}
	return fmt.Sprintf("%d B", n)
}

// IsImage reports whether the attachment is a picture, shown inline.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// SizeLabel is the attachment's size for people.
func (a *Attachment) SizeLabel() string { return SizeLabel(a.Size) }

// TypeLabel names the attachment's type in Chinese.
func (a *Attachment) TypeLabel() string {
	if t := FileTypeOf(a.ContentType); t != nil {
		return t.Label
	}
	return a.ContentType
}

// KindLabel names the attachment's kind in Chinese.
func (a *Attachment) KindLabel() string {
	switch a.Kind {
	case AttachProblem:
		return "问题材料"
	case AttachResolution:
		return "办结佐证"
	case AttachVisit:
		return "走访照片"
	case AttachActivity:
		return "活动照片"
	}
	return a.Kind
}

// Thumbnail draws a JPEG of at most ThumbSize×ThumbSize pixels from an
// image of type ft, upright by its EXIF orientation. It returns nil for
// types without a decoder in the standard library (WebP), and
// EUNPROCESSABLE for an image that cannot be decoded or has more than
// MaxImagePixels pixels — checked from the header before decoding.
func Thumbnail(data []byte, ft *FileType) ([]byte, error) {
	if ft == nil || !ft.Thumb {
		return nil, nil
	}
	var cfg image.Config
	var err error
	switch ft {
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case TypePNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case TypeGIF:
		data = gifFirstFrame(data)
		cfg, err = gif.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, Errorf(EUNPROCESSABLE, "图片无法识别，文件可能已损坏")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, Errorf(EUNPROCESSABLE, "图片为 %d×%d 像素，超过 %d 万像素的上限", cfg.Width, cfg.Height, MaxImagePixels/10000)
	}
	var img image.Image
	switch ft {
	case TypeJPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case TypePNG:
		img, err = png.Decode(bytes.NewReader(data))
	case TypeGIF:
		img, err = gif.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, Errorf(EUNPROCESSABLE, "图片无法解码，文件可能已损坏")
	}
	small := BoxResize(img, ThumbSize, ThumbSize)
	if ft == TypeJPEG {
		small = orient(small, jpegOrientation(data))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

// gifFirstFrame cuts a GIF after its first image, so that decoding it
// cannot be made to walk thousands of frames.
func gifFirstFrame(b []byte) []byte {
	if len(b) < 13 {
		return b
	}
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1)
	}
	skip := func(i int) int { // data sub-blocks, up to the terminator
		for i < len(b) {
			n := int(b[i])
			i++
			if n == 0 {
				return i
			}
			i += n
		}
		return len(b) + 1
	}
	for i < len(b) {
		switch b[i] {
		case 0x21: // extension: introducer, label, sub-blocks
			i = skip(i + 2)
		case 0x2c: // image descriptor, local colour table, LZW code size, sub-blocks
			if i+10 > len(b) {
				return b
			}
			flags := b[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (flags&7 + 1)
			}
			i = skip(i + 1)
			if i > len(b) {
				return b
			}
			return append(b[:i:i], 0x3b)
		default:
			return b
		}
	}
	return b
}

// BoxResize scales img down to fit w×h, keeping its proportions, by
// averaging the source pixels that fall on each target pixel (a box
// filter). It never scales up. Transparent parts end up on white, as a
// JPEG has no alpha.
func BoxResize(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	tw, th := sw, sh
	if tw > w || th > h {
		if sw*h >= sh*w {
			tw, th = w, max(1, sh*w/sw)
		} else {
			tw, th = max(1, sw*h/sh), h
		}
	}
	// Each source column and row falls on one target column and row.
	xs := make([]int, sw)
	cols, rows := make([]uint64, tw), make([]uint64, th)
	for x := range xs {
		xs[x] = x * tw / sw
		cols[xs[x]]++
	}
	for y := range sh {
		rows[y*th/sh]++
	}
	sums := make([]uint64, tw*th*4)
	ycc := false
	switch src := img.(type) {
	case *image.YCbCr:
		// Averaged as Y, Cb, Cr and converted once per target pixel: the
		// conversion is linear, so the result is the same for a fraction
		// of the work.
		ycc = true
		h := 0 // chroma columns are 1, 2 or 4 pixels wide
		switch src.SubsampleRatio {
		case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422:
			h = 1
		case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
			h = 2
		}
		mx := src.Rect.Min.X >> h
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			sy := b.Min.Y + y
			yrow := src.Y[src.YOffset(b.Min.X, sy):]
			c0 := src.COffset(src.Rect.Min.X, sy)
			cb, cr := src.Cb[c0:], src.Cr[c0:]
			for x, tx := range xs {
				ci := (b.Min.X+x)>>h - mx
				s[tx*4] += uint64(yrow[x])
				s[tx*4+1] += uint64(cb[ci])
				s[tx*4+2] += uint64(cr[ci])
			}
		}
	case *image.Paletted:
		var pal [256][4]uint64
		for i, c := range src.Palette {
			r, g, bl, a := c.RGBA()
			pal[i] = [4]uint64{uint64(r >> 8), uint64(g >> 8), uint64(bl >> 8), uint64(a >> 8)}
		}
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			pix := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x, tx := range xs {
				p := &pal[pix[x]]
				s[tx*4] += p[0]
				s[tx*4+1] += p[1]
				s[tx*4+2] += p[2]
				s[tx*4+3] += p[3]
			}
		}
	case *image.NRGBA:
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			pix := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x, tx := range xs {
				p := pix[4*x : 4*x+4]
				a := uint64(p[3])
				s[tx*4] += uint64(p[0]) * a / 255
				s[tx*4+1] += uint64(p[1]) * a / 255
				s[tx*4+2] += uint64(p[2]) * a / 255
				s[tx*4+3] += a
			}
		}
	case *image.RGBA:
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			pix := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x, tx := range xs {
				p := pix[4*x : 4*x+4]
				s[tx*4] += uint64(p[0])
				s[tx*4+1] += uint64(p[1])
				s[tx*4+2] += uint64(p[2])
				s[tx*4+3] += uint64(p[3])
			}
		}
	case *image.Gray:
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			pix := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x, tx := range xs {
				v := uint64(pix[x])
				s[tx*4] += v
				s[tx*4+1] += v
				s[tx*4+2] += v
				s[tx*4+3] += 255
			}
		}
	default:
		for y := range sh {
			s := sums[y*th/sh*tw*4:]
			for x, tx := range xs {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				s[tx*4] += uint64(r >> 8)
				s[tx*4+1] += uint64(g >> 8)
				s[tx*4+2] += uint64(bl >> 8)
				s[tx*4+3] += uint64(a >> 8)
			}
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for i := range tw * th {
		s, p, nn := sums[i*4:i*4+4], out.Pix[i*4:i*4+4], rows[i/tw]*cols[i%tw]
		if ycc {
			p[0], p[1], p[2] = color.YCbCrToRGB(uint8(s[0]/nn), uint8(s[1]/nn), uint8(s[2]/nn))
		} else {
			white := 255*nn - s[3] // premultiplied colour over a white page
			for c := range 3 {
				p[c] = uint8(min(255, (s[c]+white)/nn))
			}
		}
		p[3] = 255
	}
	return out
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG; 1 when it
// has none. Phones store portrait photos sideways with orientation 6.
func jpegOrientation(b []byte) int {
	i := 2
	for i+4 <= len(b) && b[i] == 0xff {
		marker := b[i+1]
		if marker == 0xda || marker == 0xd9 { // start of scan: no EXIF after it
			break
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if marker == 0xe1 && n >= 8 && i+2+n <= len(b) && bytes.HasPrefix(b[i+4:], []byte("Exif\x00\x00")) {
			return exifOrientation(b[i+10 : i+2+n])
		}
		i += 2 + n
	}
	return 1
}

func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for k := range n {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			break
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
		}
	}
	return 1
}

// orient turns an image upright for an EXIF orientation.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-dx, dy
			case 3:
				sx, sy = w-1-dx, h-1-dy
			case 4:
				sx, sy = dx, h-1-dy
			case 5:
				sx, sy = dy, dx
			case 6:
				sx, sy = dy, h-1-dx
			case 7:
				sx, sy = w-1-dy, h-1-dx
			case 8:
				sx, sy = w-1-dy, dx
			}
			copy(dst.Pix[dst.PixOffset(dx, dy):dst.PixOffset(dx, dy)+4], src.Pix[src.PixOffset(sx, sy):src.PixOffset(sx, sy)+4])
		}
	}
	return dst
}
