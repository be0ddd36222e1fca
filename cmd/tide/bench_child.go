package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// The load of `tide bench livesale` runs in a second process unless
// --in-process: its goroutines then do not queue with the server's, as
// remote buyers' would not, and each process may open its own files.

// benchChild is a second process of the bench.
type benchChild struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

// startBenchChild runs `tide bench SUB ARGS…` from this executable.
func startBenchChild(ctx context.Context, env *Env, sub string, args ...string) (*benchChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, append([]string{"bench", sub}, args...)...)
	cmd.Stderr = env.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &benchChild{cmd: cmd, in: in, lines: bufio.NewScanner(out)}, nil
}

// result closes the child's input and decodes the line it answers with.
func (c *benchChild) result(v any) error {
	c.in.Close()
	if !c.lines.Scan() {
		c.cmd.Wait()
		return fmt.Errorf("bench %s gave no result", c.cmd.Args[2])
	}
	err := json.Unmarshal(c.lines.Bytes(), v)
	return errors.Join(err, c.cmd.Wait())
}

// runPlan runs the buyers here, or in a second process.
func runPlan(ctx context.Context, env *Env, p loadPlan, inProcess bool) (*loadResult, error) {
	if p.warm != nil {
		if err := p.warm(ctx); err != nil {
			return nil, err
		}
	}
	if inProcess {
		r := p.run()
		r.LoadCPU = 0 // the process's time is the server's too
		return r, nil
	}
	c, err := startBenchChild(ctx, env, "livesale-buyers", "--addr", p.addr, "--room", p.room, "--product", p.product,
		"--limit", strconv.FormatInt(p.limit, 10), "--duration", p.duration.String(), "--pace", p.pace.String(),
		"--random-keys="+strconv.FormatBool(p.randomKeys))
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(c.in)
	for _, t := range p.tokens {
		fmt.Fprintln(w, t)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	var r loadResult
	cpu := processCPU()
	err = c.result(&r)
	r.ServerCPU = processCPU() - cpu
	return &r, err
}

// runBenchBuyers is the buyers' process: tokens come one a line on its
// standard input, the result goes out as one line of JSON.
func runBenchBuyers(ctx context.Context, env *Env, args []string) error {
	var p loadPlan
	fs := flag.NewFlagSet("tide bench livesale-buyers", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&p.addr, "addr", "", "server address")
	fs.StringVar(&p.room, "room", "", "room ID")
	fs.StringVar(&p.product, "product", "", "product ID")
	fs.Int64Var(&p.limit, "limit", 1, "acknowledged orders to stop at")
	fs.DurationVar(&p.duration, "duration", time.Second, "time to stop at")
	fs.DurationVar(&p.pace, "pace", 0, "pause between a buyer's orders")
	fs.BoolVar(&p.randomKeys, "random-keys", false, "send random idempotency keys, not ULIDs")
	if err := fs.Parse(args); err != nil || p.addr == "" || p.room == "" || p.product == "" {
		return usageError{"want: tide bench livesale-buyers --addr HOST:PORT --room ID --product ID, tokens on standard input"}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		p.tokens = append(p.tokens, in.Text())
	}
	if len(p.tokens) == 0 {
		return usageError{"no tokens on standard input"}
	}
	if err := raiseFileLimit(len(p.tokens) + 64); err != nil {
		return err
	}
	b, err := json.Marshal(p.run())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s\n", b)
	return nil
}
