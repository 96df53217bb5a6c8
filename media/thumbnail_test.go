package media

import (
	"bytes"
	"encoding/binary"
	"errors"
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

	t.Run("TransparentOnWhite", testThumbnailTransparentOnWhite)
	t.Run("ErrTooManyPixels", testThumbnailErrTooManyPixels)
	t.Run("GIFFirstFrameOnly", testThumbnailGIFFirstFrameOnly)
	t.Run("WebPHasNone", testThumbnailWebPHasNone)
}

func testThumbnailTransparentOnWhite(t *testing.T) {
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
}

func testThumbnailErrTooManyPixels(t *testing.T) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	p := b.Bytes()
	// IHDR starts at byte 8: length, "IHDR", width, height …, CRC.
	binary.BigEndian.PutUint32(p[16:], 10000)
	binary.BigEndian.PutUint32(p[20:], 5000)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	_, err := Thumbnail(p, TypePNG)
	var ie *ImageError
	if !errors.As(err, &ie) || !strings.Contains(ie.Message, "10000×5000") {
		t.Errorf("50-megapixel header: %v", err)
	}
}

func testThumbnailGIFFirstFrameOnly(t *testing.T) {
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
}

func testThumbnailWebPHasNone(t *testing.T) {
	if th, err := Thumbnail([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), TypeWebP); th != nil || err != nil {
		t.Errorf("webp: %d bytes, %v", len(th), err)
	}
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
