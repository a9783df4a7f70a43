// cronoracle reads one schedule per line (JSON strings) on stdin and answers, one
// line each, "ok" when Kubernetes would accept it as a CronJob schedule and
// "error: ..." when not: robfig/cron v3's ParseStandard (what the API server's
// validation calls), plus the API server's rule that a new CronJob's schedule
// may not carry TZ or CRON_TZ (pkg/apis/batch/validation, validateScheduleFormat).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/robfig/cron/v3"
)

func check(schedule string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panicked: %v", r)
		}
	}()
	if _, err := cron.ParseStandard(schedule); err != nil {
		return err
	}
	if strings.Contains(schedule, "TZ") {
		return fmt.Errorf("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
	}
	return nil
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var schedule string
		if err := json.Unmarshal(in.Bytes(), &schedule); err != nil {
			fmt.Fprintf(os.Stderr, "cronoracle: bad input line: %v\n", err)
			os.Exit(2)
		}
		if err := check(schedule); err != nil {
			fmt.Fprintf(out, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(out, "ok")
		}
	}
}
