package registry

import (
	"runtime"
	"sync"
	"time"
)

// memberRef is one member row added to memberChecks: where its member and
// what checking it found will be.
type memberRef struct {
	b *memberBatch
	i int
}

func (r memberRef) err() error { return r.b.errs[r.i] }

// memberBatch is a batch of member rows and what checking each found.
type memberBatch struct {
	members []Member
	errs    []error
	checked chan struct{} // closed once every member is checked
}

// memberChecks checks member rows on every processor while the file is
// still being read, so reading and the per-member work (rules, hashing and
// sealing the ID number) overlap. Rows go to the workers in batches; each
// row's outcome stays where add put it, to be read after wait. A
// household's members usually sit side by side in one batch, and then
// become its Members as they are (see membersOf).
type memberChecks struct {
	batch *memberBatch
	work  chan *memberBatch
	wg    sync.WaitGroup
}

// memberBatchRows is how many rows go to a worker at a time.
const memberBatchRows = 512

func newMemberChecks(check func(*Member) error) *memberChecks {
	c := &memberChecks{work: make(chan *memberBatch, 16)}
	for range runtime.GOMAXPROCS(0) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for b := range c.work {
				for i := range b.members {
					b.errs[i] = check(&b.members[i])
				}
				close(b.checked)
			}
		}()
	}
	return c
}

// add queues m to be checked and returns where its outcome will be.
func (c *memberChecks) add(m Member) memberRef {
	if c.batch == nil || len(c.batch.members) == memberBatchRows {
		c.send()
		c.batch = &memberBatch{members: make([]Member, 0, memberBatchRows), errs: make([]error, memberBatchRows), checked: make(chan struct{})}
	}
	c.batch.members = append(c.batch.members, m)
	return memberRef{c.batch, len(c.batch.members) - 1}
}

func (c *memberChecks) send() {
	if c.batch != nil {
		c.work <- c.batch
	}
	c.batch = nil
}

// checked says whether every member refs name is checked. With wait set it
// waits until they are, first handing on the batch still being filled when
// it holds one of them.
func (c *memberChecks) checked(refs []memberRef, wait bool) bool {
	for _, r := range refs {
		if !wait {
			select {
			case <-r.b.checked:
				continue
			default:
				return false
			}
		}
		if r.b == c.batch {
			c.send()
		}
		<-r.b.checked
	}
	return true
}

// wait returns once every row added is checked; it may be called again.
func (c *memberChecks) wait() {
	if c.work == nil {
		return
	}
	c.send()
	close(c.work)
	c.wg.Wait()
	c.work = nil
}

// membersOf returns the members refs name, in order. When they lie side by
// side in one batch, as a household's rows mostly do, the batch's own
// members are returned, capped so that appending copies; otherwise a copy.
func membersOf(refs []memberRef) []Member {
	if len(refs) == 0 {
		return []Member{}
	}
	first := refs[0]
	for k, r := range refs {
		if r.b != first.b || r.i != first.i+k {
			out := make([]Member, len(refs))
			for j, r := range refs {
				out[j] = r.b.members[r.i]
			}
			return out
		}
	}
	end := first.i + len(refs)
	return first.b.members[first.i:end:end]
}

// checkMember applies the rules of one member and, when they hold, seals
// and hashes its ID number and normalises its phone.
func (s *Service) checkMember(now time.Time) func(m *Member) error {
	return func(m *Member) error {
		if err := m.validate("", now); err != nil {
			return err
		}
		if m.IDNumber != "" {
			m.IDHash = s.sealer.Hash(m.IDNumber)
			m.IDSealed = s.sealer.SealBytes(m.IDNumber)
		}
		m.PhoneNorm = NormalizePhone(m.Phone)
		return nil
	}
}
