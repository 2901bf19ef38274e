package reliable

import (
	"slices"
	"testing"
)

func TestAcks(t *testing.T) {
	type op struct {
		add  []uint32
		take int      // max for Take; 0 = no Take
		want []uint32 // ids Take returns
		left int      // Pending after the op
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"fresh ids first, in order", []op{
			{add: []uint32{5, 6, 7}, take: 4, want: []uint32{5, 6, 7}},
		}},
		{"recent ids repeated after fresh ones", []op{
			{add: []uint32{1, 2}, take: 8, want: []uint32{1, 2}},
			{add: []uint32{3}, take: 8, want: []uint32{3, 1, 2}},
			{take: 2, want: []uint32{3, 1}},
		}},
		{"piggy-back limit leaves the rest pending", []op{
			{add: []uint32{1, 2, 3, 4, 5, 6}, take: 4, want: []uint32{1, 2, 3, 4}, left: 2},
			{take: 8, want: []uint32{5, 6, 1, 2, 3, 4}},
		}},
		{"re-acked id moves to the front without duplication", []op{
			{add: []uint32{1, 2, 3}, take: 4, want: []uint32{1, 2, 3}},
			{add: []uint32{2}, take: 4, want: []uint32{2, 1, 3}},
		}},
		{"pending deduplicated and capped at 8", []op{
			{add: []uint32{1, 1, 2, 3, 4, 5, 6, 7, 8, 9}, left: 8},
			{take: 8, want: []uint32{1, 2, 3, 4, 5, 6, 7, 8}},
		}},
		{"recent list keeps the 8 newest", []op{
			{add: []uint32{1, 2, 3, 4, 5, 6, 7, 8}, take: 8, want: []uint32{1, 2, 3, 4, 5, 6, 7, 8}},
			{add: []uint32{9}, take: 8, want: []uint32{9, 1, 2, 3, 4, 5, 6, 7}},
		}},
		{"nothing to send", []op{{take: 4, want: []uint32{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Acks
			for i, o := range tt.ops {
				for _, id := range o.add {
					a.Add(id)
				}
				if o.take > 0 {
					n := a.Count(o.take)
					got := a.Take([]uint32{}, o.take)
					if !slices.Equal(got, o.want) {
						t.Fatalf("op %d: Take(%d) = %v, want %v", i, o.take, got, o.want)
					}
					if n != len(got) {
						t.Fatalf("op %d: Count = %d, Take returned %d", i, n, len(got))
					}
				}
				if a.Pending() != o.left {
					t.Fatalf("op %d: Pending = %d, want %d", i, a.Pending(), o.left)
				}
			}
		})
	}
}

func TestAcksAddReports(t *testing.T) {
	var a Acks
	if !a.Add(1) || a.Add(1) {
		t.Fatal("Add did not report duplicates")
	}
	for i := uint32(2); i <= 8; i++ {
		a.Add(i)
	}
	if a.Add(9) {
		t.Fatal("Add accepted a ninth id")
	}
	if got := a.Take(nil, 0); len(got) != 0 || a.Pending() != 8 {
		t.Fatal("Take(0) took something")
	}
}
