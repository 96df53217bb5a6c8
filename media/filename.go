package media

import (
	"path"
	"slices"
	"strings"
	"unicode"
)

// MaxFilename is the longest stored filename, in characters.
const MaxFilename = 100

// dangerousExts are names a user's computer would run or render, whatever
// the content; Sniff reports a file so named (File.RiskyExt).
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

// A File is what an upload's name and bytes tell, before any rule decides
// whether it is stored.
type File struct {
	Name     string    // the client's filename, sanitized (SanitizeFilename)
	Size     int64     // in bytes
	Type     *FileType // the accepted type the content is; nil when it is none
	Seems    string    // what the content seems to be, in Chinese, when Type is nil
	RiskyExt string    // Name's extension, in lower case, when a computer would run or render a file so named
	Stored   string    // the name to store: Name, ending in Type's usual extension when it does not say Type
}

// Sniff tells what a file is from its bytes and its client's filename.
func Sniff(filename string, data []byte) *File {
	f := &File{Name: SanitizeFilename(filename), Size: int64(len(data))}
	f.Type, f.Seems = Detect(data)
	ext := strings.ToLower(path.Ext(f.Name))
	if dangerousExts[ext] {
		f.RiskyExt = ext
	}
	f.Stored = f.Name
	if f.Type != nil && !slices.Contains(f.Type.Exts, ext) {
		f.Stored = storedName(f.Name, ext, f.Type)
	}
	return f
}

// NotPicture is the label of the file's type when it is accepted but not a
// picture; "" for a picture or a type not accepted.
func (f *File) NotPicture() string {
	if f.Type == nil || f.Type.Image {
		return ""
	}
	return f.Type.Label
}

// storedName makes name say what its content is, so that the computer that
// downloads it opens it with the right program: an accepted type's
// extension is replaced by t's, any other is kept and t's added.
func storedName(name, ext string, t *FileType) string {
	stem := name
	for _, o := range FileTypes {
		if ext != "" && slices.Contains(o.Exts, ext) {
			stem = strings.TrimSuffix(name, path.Ext(name))
			break
		}
	}
	return limitName(stem, MaxFilename-len([]rune(t.Exts[0]))) + t.Exts[0]
}
