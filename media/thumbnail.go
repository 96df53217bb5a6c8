package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// Thumbnail limits.
const (
	// ThumbSize bounds a thumbnail's width and height, in pixels.
	ThumbSize = 240
	// MaxImagePixels is the largest image decoded for a thumbnail: a
	// decompression bomb of a few kilobytes cannot make the server
	// allocate gigabytes.
	MaxImagePixels = 40_000_000
)

// An ImageError says, in Chinese, why a picture cannot be made into a
// thumbnail: it cannot be decoded, or it has too many pixels. The caller
// refuses the file with its Message.
type ImageError struct{ Message string }

func (e *ImageError) Error() string { return e.Message }

func imageErrorf(format string, args ...any) error {
	return &ImageError{Message: fmt.Sprintf(format, args...)}
}

// Thumbnail draws a JPEG of at most ThumbSize×ThumbSize pixels from an
// image of type ft, upright by its EXIF orientation. It returns nil for
// types without a decoder in the standard library (WebP), and an
// *ImageError for an image that cannot be decoded or has more than
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
		return nil, imageErrorf("图片无法识别，文件可能已损坏")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, imageErrorf("图片为 %d×%d 像素，超过 %d 万像素的上限", cfg.Width, cfg.Height, MaxImagePixels/10000)
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
		return nil, imageErrorf("图片无法解码，文件可能已损坏")
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
	bx := newBox(img.Bounds(), w, h)
	switch src := img.(type) {
	case *image.YCbCr:
		bx.addYCbCr(src)
	case *image.Paletted:
		bx.addPaletted(src)
	case *image.NRGBA:
		bx.addNRGBA(src)
	case *image.RGBA:
		bx.addRGBA(src)
	case *image.Gray:
		bx.addGray(src)
	default:
		bx.addAny(img)
	}
	return bx.average()
}

// A box adds up the source pixels that fall on each target pixel: four
// sums a pixel, red, green, blue and alpha (premultiplied), or Y, Cb and Cr.
type box struct {
	b          image.Rectangle // the source's bounds
	sh, tw, th int             // the source's height, the target's size
	xs         []int           // the target column of each source column
	cols, rows []uint64        // how many source columns and rows fall on each target one
	sums       []uint64
	ycc        bool // sums are Y, Cb, Cr
}

// newBox fits the source bounds b in w×h, keeping its proportions and
// never scaling up.
func newBox(b image.Rectangle, w, h int) *box {
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
	bx := &box{b: b, sh: sh, tw: tw, th: th, xs: make([]int, sw), cols: make([]uint64, tw), rows: make([]uint64, th),
		sums: make([]uint64, tw*th*4)}
	for x := range bx.xs {
		bx.xs[x] = x * tw / sw
		bx.cols[bx.xs[x]]++
	}
	for y := range sh {
		bx.rows[y*th/sh]++
	}
	return bx
}

// row returns the sums of the target row that source row y falls on.
func (bx *box) row(y int) []uint64 { return bx.sums[y*bx.th/bx.sh*bx.tw*4:] }

// addYCbCr averages as Y, Cb, Cr, converted once per target pixel: the
// conversion is linear, so the result is the same for a fraction of the
// work.
func (bx *box) addYCbCr(src *image.YCbCr) {
	bx.ycc = true
	b := bx.b
	h := 0 // chroma columns are 1, 2 or 4 pixels wide
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422:
		h = 1
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		h = 2
	}
	mx := src.Rect.Min.X >> h
	for y := range bx.sh {
		s := bx.row(y)
		sy := b.Min.Y + y
		yrow := src.Y[src.YOffset(b.Min.X, sy):]
		c0 := src.COffset(src.Rect.Min.X, sy)
		cb, cr := src.Cb[c0:], src.Cr[c0:]
		for x, tx := range bx.xs {
			ci := (b.Min.X+x)>>h - mx
			s[tx*4] += uint64(yrow[x])
			s[tx*4+1] += uint64(cb[ci])
			s[tx*4+2] += uint64(cr[ci])
		}
	}
}

func (bx *box) addPaletted(src *image.Paletted) {
	var pal [256][4]uint64
	for i, c := range src.Palette {
		r, g, bl, a := c.RGBA()
		pal[i] = [4]uint64{uint64(r >> 8), uint64(g >> 8), uint64(bl >> 8), uint64(a >> 8)}
	}
	for y := range bx.sh {
		s := bx.row(y)
		pix := src.Pix[src.PixOffset(bx.b.Min.X, bx.b.Min.Y+y):]
		for x, tx := range bx.xs {
			p := &pal[pix[x]]
			s[tx*4] += p[0]
			s[tx*4+1] += p[1]
			s[tx*4+2] += p[2]
			s[tx*4+3] += p[3]
		}
	}
}

func (bx *box) addNRGBA(src *image.NRGBA) {
	for y := range bx.sh {
		s := bx.row(y)
		pix := src.Pix[src.PixOffset(bx.b.Min.X, bx.b.Min.Y+y):]
		for x, tx := range bx.xs {
			p := pix[4*x : 4*x+4]
			a := uint64(p[3])
			s[tx*4] += uint64(p[0]) * a / 255
			s[tx*4+1] += uint64(p[1]) * a / 255
			s[tx*4+2] += uint64(p[2]) * a / 255
			s[tx*4+3] += a
		}
	}
}

func (bx *box) addRGBA(src *image.RGBA) {
	for y := range bx.sh {
		s := bx.row(y)
		pix := src.Pix[src.PixOffset(bx.b.Min.X, bx.b.Min.Y+y):]
		for x, tx := range bx.xs {
			p := pix[4*x : 4*x+4]
			s[tx*4] += uint64(p[0])
			s[tx*4+1] += uint64(p[1])
			s[tx*4+2] += uint64(p[2])
			s[tx*4+3] += uint64(p[3])
		}
	}
}

func (bx *box) addGray(src *image.Gray) {
	for y := range bx.sh {
		s := bx.row(y)
		pix := src.Pix[src.PixOffset(bx.b.Min.X, bx.b.Min.Y+y):]
		for x, tx := range bx.xs {
			v := uint64(pix[x])
			s[tx*4] += v
			s[tx*4+1] += v
			s[tx*4+2] += v
			s[tx*4+3] += 255
		}
	}
}

// addAny is the generic path, for any other image type.
func (bx *box) addAny(img image.Image) {
	for y := range bx.sh {
		s := bx.row(y)
		for x, tx := range bx.xs {
			r, g, bl, a := img.At(bx.b.Min.X+x, bx.b.Min.Y+y).RGBA()
			s[tx*4] += uint64(r >> 8)
			s[tx*4+1] += uint64(g >> 8)
			s[tx*4+2] += uint64(bl >> 8)
			s[tx*4+3] += uint64(a >> 8)
		}
	}
}

// average divides each target pixel's sums by the number of source pixels
// that fell on it, on a white page.
func (bx *box) average() *image.RGBA {
	tw, th := bx.tw, bx.th
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for i := range tw * th {
		s, p, nn := bx.sums[i*4:i*4+4], out.Pix[i*4:i*4+4], bx.rows[i/tw]*bx.cols[i%tw]
		if bx.ycc {
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
