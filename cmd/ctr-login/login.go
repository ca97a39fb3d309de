package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/lib/login"
)

type loginFlags struct {
	registry                                    imgflags.LoginFlags
	username, password                          string
	passwordStdin, getLogin, logout, all, quiet bool
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f loginFlags
	app := cli.NewApp("ctr-login", "store registry credentials in auth.json after checking them with the registry; remove them with --logout", stdin, stdout, stderr)
	app.UsageText = "ctr-login [OPTIONS] REGISTRY\n   ctr-login --get-login REGISTRY\n   ctr-login --logout REGISTRY | --logout --all"
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "username", Aliases: []string{"u"}, Usage: "the `USER` (default: asked on the terminal)", Destination: &f.username},
		&ucli.BoolFlag{Name: "password-stdin", Usage: "read the password from stdin (one line), never from the command line", Destination: &f.passwordStdin},
		&ucli.StringFlag{Name: "password", Aliases: []string{"p"}, Usage: "the `PASSWORD` (seen by every user of this machine: prefer --password-stdin)", Destination: &f.password},
		&ucli.BoolFlag{Name: "get-login", Usage: "print the user stored for REGISTRY", Destination: &f.getLogin},
		&ucli.BoolFlag{Name: "logout", Usage: "remove the credentials stored for REGISTRY", Destination: &f.logout},
		&ucli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "with --logout: remove every credential in the auth file", Destination: &f.all},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print nothing on success", Destination: &f.quiet},
	)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Action = func(c *ucli.Context) error { return runLogin(c, &f) }
	return app
}

func runLogin(c *ucli.Context, f *loginFlags) error {
	sys, err := f.registry.SystemContext()
	if err != nil {
		return err
	}
	if f.all {
		if !f.logout || c.NArg() != 0 {
			return cli.UsageError("--all goes with --logout and no REGISTRY")
		}
		if err := login.LogoutAll(sys); err != nil {
			return err
		}
		return f.say(c, "removed every credential")
	}
	if c.NArg() != 1 {
		return cli.UsageError("want one REGISTRY")
	}
	key, err := login.Key(c.Args().First())
	if err != nil {
		return err
	}
	switch {
	case f.getLogin && f.logout:
		return cli.UsageError("--get-login and --logout are one each")
	case f.getLogin:
		user, err := login.User(sys, key)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(c.App.Writer, user)
		return err
	case f.logout:
		if err := login.Logout(sys, key); err != nil {
			return err
		}
		return f.say(c, "removed the credentials for "+key)
	}
	user, password, err := f.credentials(c)
	if err != nil {
		return err
	}
	if _, err := login.Login(c.Context, sys, key, user, password); err != nil {
		return err
	}
	return f.say(c, "logged in to "+key+" as "+user)
}

// say prints a message on stderr unless -q: stdout carries data only.
func (f *loginFlags) say(c *ucli.Context, msg string) error {
	if !f.quiet {
		fmt.Fprintln(c.App.ErrWriter, msg)
	}
	return nil
}

// credentials are the user and password: from the flags and stdin, or
// asked on the terminal (the password without echo).
func (f *loginFlags) credentials(c *ucli.Context) (string, string, error) {
	if f.passwordStdin && f.password != "" {
		return "", "", cli.UsageError("--password and --password-stdin are one each")
	}
	tty := terminal(c.App.Reader)
	user, password := f.username, f.password
	in := bufio.NewReader(c.App.Reader)
	if user == "" {
		if !tty || f.passwordStdin {
			return "", "", cli.UsageError("want --username (stdin is not a terminal to ask on)")
		}
		fmt.Fprint(c.App.ErrWriter, "Username: ")
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return "", "", cli.UsageError("no username given")
		}
		user = strings.TrimSpace(line)
	}
	switch {
	case f.passwordStdin:
		b, err := io.ReadAll(in)
		if err != nil {
			return "", "", err
		}
		password = strings.TrimRight(string(b), "\r\n")
	case password == "" && tty:
		fmt.Fprint(c.App.ErrWriter, "Password: ")
		b, err := term.ReadPassword(int(c.App.Reader.(*os.File).Fd()))
		fmt.Fprintln(c.App.ErrWriter)
		if err != nil {
			return "", "", err
		}
		password = string(b)
	case password == "":
		return "", "", cli.UsageError("want --password-stdin (stdin is not a terminal to ask on)")
	}
	if user == "" || password == "" {
		return "", "", cli.UsageError("want a username and a password")
	}
	return user, password, nil
}

func terminal(r io.Reader) bool {
	file, ok := r.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}
