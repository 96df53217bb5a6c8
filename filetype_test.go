package sanlian

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"
)

func TestDetectFileType(t *testing.T) {
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
		ft, seems := DetectFileType(c.data)
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

func TestCheckUpload(t *testing.T) {
	pdf := []byte("%PDF-1.4\n")
	for _, c := range []struct{ in, want string }{
		{"报告.pdf", "报告.pdf"},
		{"报告.PDF", "报告.PDF"},
		{"报告.jpg", "报告.pdf"},   // an accepted type's extension is replaced
		{"报告.v2", "报告.v2.pdf"}, // any other is kept and the true one added
		{"报告", "报告.pdf"},
		{strings.Repeat("长", 100) + ".jpg", strings.Repeat("长", 96) + ".pdf"},
	} {
		name, ft, err := CheckUpload(c.in, pdf, 0)
		if err != nil || ft != TypePDF || name != c.want {
			t.Errorf("CheckUpload(%q) = %q, %v, %v; want %q", c.in, name, ft, err, c.want)
		}
	}
	for _, name := range []string{"报告.pdf.exe", "a.html", "x.svg", "run.bat", "宏.docm"} {
		if _, _, err := CheckUpload(name, pdf, 0); ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorMessage(err), "扩展名") {
			t.Errorf("CheckUpload(%q): %v", name, err)
		}
	}
	_, _, err := CheckUpload("大.pdf", append(pdf, make([]byte, 10<<20)...), 0)
	if ErrorCode(err) != ETOOLARGE || !strings.Contains(ErrorMessage(err), "10 MB") {
		t.Errorf("oversize: %v", err)
	}
	for n, want := range map[int64]string{10 << 20: "10 MB", 5 << 19: "2.5 MB", 64 << 10: "64 KB", 900: "900 B"} {
		if got := SizeLabel(n); got != want {
			t.Errorf("SizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

// withOrientation inserts an EXIF APP1 segment with orientation o after a
// JPEG's start-of-image marker, as a phone camera writes it.
func withOrientation(j []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = binary.BigEndian.AppendUint16(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3)
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xff, 0xd8, 0xff, 0xe1}, binary.BigEndian.AppendUint16(nil, uint16(len(seg)+2))...)
	return append(append(out, seg...), j[2:]...)
}

func TestThumbnail(t *testing.T) {
	// Left half red, right half blue.
	src := image.NewRGBA(image.Rect(0, 0, 600, 200))
	for y := range 200 {
		for x := range 600 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 300 {
				c = color.RGBA{0, 0, 255, 255}
			}
			src.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, &jpeg.Options{Quality: 95})
	at := func(img image.Image, x, y int) (uint32, uint32) {
		r, _, b, _ := img.At(x, y).RGBA()
		return r >> 8, b >> 8
	}
	for o, want := range map[uint16]struct {
		w, h       int
		topOrLeft  string // colour at the top-left corner
		bottomOrRt string // at the bottom-right corner
	}{
		1: {240, 80, "red", "blue"},
		3: {240, 80, "blue", "red"},
		6: {80, 240, "red", "blue"}, // turned clockwise: the left edge becomes the top
		8: {80, 240, "blue", "red"},
	} {
		th, err := Thumbnail(withOrientation(buf.Bytes(), o), TypeJPEG)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(th))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != want.w || b.Dy() != want.h {
			t.Errorf("orientation %d: %dx%d, want %dx%d", o, b.Dx(), b.Dy(), want.w, want.h)
			continue
		}
		name := func(r, b uint32) string {
			if r > 200 && b < 60 {
				return "red"
			} else if b > 200 && r < 60 {
				return "blue"
			}
			return "mixed"
		}
		if got := name(at(img, 2, 2)); got != want.topOrLeft {
			t.Errorf("orientation %d: top-left %s, want %s", o, got, want.topOrLeft)
		}
		if got := name(at(img, want.w-3, want.h-3)); got != want.bottomOrRt {
			t.Errorf("orientation %d: bottom-right %s, want %s", o, got, want.bottomOrRt)
		}
	}

	t.Run("TransparentOnWhite", func(t *testing.T) {
		img := image.NewNRGBA(image.Rect(0, 0, 10, 10)) // all transparent
		var b bytes.Buffer
		png.Encode(&b, img)
		th, err := Thumbnail(b.Bytes(), TypePNG)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := jpeg.Decode(bytes.NewReader(th))
		if r, g, bl, _ := out.At(5, 5).RGBA(); r>>8 < 250 || g>>8 < 250 || bl>>8 < 250 {
			t.Errorf("transparent pixel became %d,%d,%d", r>>8, g>>8, bl>>8)
		}
	})

	t.Run("ErrTooManyPixels", func(t *testing.T) {
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
		p := b.Bytes()
		// IHDR starts at byte 8: length, "IHDR", width, height …, CRC.
		binary.BigEndian.PutUint32(p[16:], 10000)
		binary.BigEndian.PutUint32(p[20:], 5000)
		binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
		_, err := Thumbnail(p, TypePNG)
		if ErrorCode(err) != EUNPROCESSABLE || !strings.Contains(ErrorMessage(err), "10000×5000") {
			t.Errorf("50-megapixel header: %v", err)
		}
	})

	t.Run("GIFFirstFrameOnly", func(t *testing.T) {
		pal := color.Palette{color.White, color.Black}
		g := &gif.GIF{}
		for range 50 {
			g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, 300, 300), pal))
			g.Delay = append(g.Delay, 10)
		}
		var b bytes.Buffer
		if err := gif.EncodeAll(&b, g); err != nil {
			t.Fatal(err)
		}
		first := gifFirstFrame(b.Bytes())
		all, err := gif.DecodeAll(bytes.NewReader(first))
		if err != nil || len(all.Image) != 1 {
			t.Fatalf("first frame: %v, %d frames", err, len(all.Image))
		}
		th, err := Thumbnail(b.Bytes(), TypeGIF)
		if err != nil || len(th) == 0 {
			t.Errorf("thumbnail of animated GIF: %v", err)
		}
	})

	t.Run("WebPHasNone", func(t *testing.T) {
		if th, err := Thumbnail([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), TypeWebP); th != nil || err != nil {
			t.Errorf("webp: %d bytes, %v", len(th), err)
		}
	})
}

// BenchmarkThumbnail_JPEG4000x3000 is a 12-megapixel phone photo.
func BenchmarkThumbnail_JPEG4000x3000(b *testing.B) {
	src := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := range src.Y {
		src.Y[i] = uint8(i * 7 % 251)
	}
	for i := range src.Cb {
		src.Cb[i], src.Cr[i] = uint8(i%200), uint8(i%97)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, &jpeg.Options{Quality: 85})
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	start := time.Now()
	for b.Loop() {
		if _, err := Thumbnail(data, TypeJPEG); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/thumb")
}

// opaque hides an image's concrete type, so that BoxResize takes its
// generic path.
type opaque struct{ image.Image }

func TestBoxResize_FastPathsAgree(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	var imgs []image.Image
	for _, r := range ratios {
		m := image.NewYCbCr(image.Rect(0, 0, 517, 301), r)
		// In gamut, as photos are: averaging before or after the
		// conversion then agrees up to rounding.
		for i := range m.Y {
			m.Y[i] = uint8(40 + i*13%170)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(108+i*7%40), uint8(108+i*3%40)
		}
		imgs = append(imgs, m, m.SubImage(image.Rect(3, 5, 400, 290)))
	}
	pal := image.NewPaletted(image.Rect(0, 0, 300, 300), color.Palette{color.Black, color.RGBA{200, 0, 0, 255}, color.Transparent})
	nrgba := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	gray := image.NewGray(image.Rect(0, 0, 250, 260))
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 3)
	}
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(i * 31 % 256)
	}
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i % 256)
	}
	imgs = append(imgs, pal, nrgba, gray, image.NewRGBA(image.Rect(0, 0, 10, 500)))
	for i, m := range imgs {
		fast, slow := BoxResize(m, 240, 240), BoxResize(opaque{m}, 240, 240)
		if fast.Rect != slow.Rect {
			t.Fatalf("image %d: %v vs %v", i, fast.Rect, slow.Rect)
		}
		for j := range fast.Pix {
			if d := int(fast.Pix[j]) - int(slow.Pix[j]); d > 3 || d < -3 {
				t.Fatalf("image %d (%T): byte %d is %d on the fast path, %d on the generic one", i, m, j, fast.Pix[j], slow.Pix[j])
			}
		}
	}
}
