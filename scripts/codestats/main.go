// Command codestats prints the code-shape figures the docs quote: lines per
// package (tests left out), the types with the most methods and the long
// functions outside demo/.
//
//	go run ./scripts/codestats [-long 80] [-max 150] [-list]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type fn struct {
	name  string
	lines int
}

type stats struct {
	fset    *token.FileSet
	lines   map[string]int // package dir -> lines
	methods map[string]int // dir.Type -> declared methods
	fns     []fn           // functions outside demo/
}

func main() {
	long := flag.Int("long", 80, "count functions over this many lines")
	max := flag.Int("max", 150, "count functions over this many lines")
	list := flag.Bool("list", false, "list the functions over -long lines")
	flag.Parse()
	st := &stats{fset: token.NewFileSet(), lines: map[string]int{}, methods: map[string]int{}}
	if err := filepath.WalkDir(".", st.visit); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	st.print(*long, *max, *list)
}

func (st *stats) visit(path string, d fs.DirEntry, err error) error {
	if err != nil {
		return err
	}
	if d.IsDir() {
		if n := d.Name(); n == "node_modules" || n == "testdata" || (strings.HasPrefix(n, ".") && n != ".") {
			return filepath.SkipDir
		}
		return nil
	}
	if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
		return nil
	}
	f, err := parser.ParseFile(st.fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	st.lines[dir] += st.fset.File(f.Pos()).LineCount()
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if recv := recvType(fd); recv != "" {
			st.methods[dir+"."+recv]++
			name = recv + "." + name
		}
		n := st.fset.Position(fd.End()).Line - st.fset.Position(fd.Pos()).Line + 1
		if !strings.HasPrefix(dir, "demo") {
			st.fns = append(st.fns, fn{path + ":" + name, n})
		}
	}
	return nil
}

// recvType is the name of a method's receiver type, "" for a function.
func recvType(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) != 1 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func (st *stats) print(long, max int, list bool) {
	var dirs []string
	total := 0
	for d, n := range st.lines {
		dirs = append(dirs, d)
		total += n
	}
	sort.Strings(dirs)
	fmt.Println("lines per package (tests left out):")
	for _, d := range dirs {
		fmt.Printf("  %-18s %6d\n", d, st.lines[d])
	}
	fmt.Printf("  %-18s %6d\n", "total", total)

	type kv struct {
		k string
		v int
	}
	var ms []kv
	for k, v := range st.methods {
		ms = append(ms, kv{k, v})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].v > ms[j].v || ms[i].v == ms[j].v && ms[i].k < ms[j].k })
	fmt.Println("types with the most methods:")
	for i := 0; i < len(ms) && i < 6; i++ {
		fmt.Printf("  %-28s %4d\n", ms[i].k, ms[i].v)
	}
	sort.Slice(st.fns, func(i, j int) bool { return st.fns[i].lines > st.fns[j].lines })
	over, overMax := 0, 0
	for _, f := range st.fns {
		if f.lines > long {
			over++
			if list {
				fmt.Printf("  %4d %s\n", f.lines, f.name)
			}
		}
		if f.lines > max {
			overMax++
		}
	}
	fmt.Printf("functions outside demo/: %d; over %d lines: %d; over %d lines: %d\n", len(st.fns), long, over, max, overMax)
}
