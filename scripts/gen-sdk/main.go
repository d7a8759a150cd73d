// Command gen-sdk writes the Go and Python SDKs of the dbbackups provider
// plugin from its package schema, with the code generators of the Pulumi
// release the real-CLI suite builds (the ones `pulumi package gen-sdk` runs).
//
//	gen-sdk SCHEMA.json OUT_DIR
//
// writes OUT_DIR/go/... and OUT_DIR/python/... and nothing else.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/blang/semver"
)

const tool = "pulumi-db-backups gen-sdk"

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen-sdk SCHEMA.json OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}

// noPackages is the loader of a schema that refers to no other package: the
// generators may ask for one only when a type names another package.
type noPackages struct{}

func (noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the dbbackups schema refers to no other package, yet %q was asked for", name)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (noPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the dbbackups schema refers to no other package, yet %q was asked for", name)
}

func (l noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}

// bind reads and validates the schema; every language gets its own bound copy.
func bind(path string) (*schema.Package, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

func write(dir string, files map[string][]byte) error {
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func run(schemaPath, out string) error {
	goPkg, err := bind(schemaPath)
	if err != nil {
		return err
	}
	goFiles, err := gogen.GeneratePackage(tool, goPkg, nil)
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	if err := write(filepath.Join(out, "go"), goFiles); err != nil {
		return err
	}
	pyPkg, err := bind(schemaPath)
	if err != nil {
		return err
	}
	pyFiles, err := pygen.GeneratePackage(tool, pyPkg, nil, noPackages{})
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}
	return write(filepath.Join(out, "python"), pyFiles)
}
