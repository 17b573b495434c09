package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hivetrace/hivetrace/hive/server"
)

// catalogChecks check task descriptions, lookups by record uuid and bundles.
var catalogChecks = []struct {
	name string
	fn   func(t *testing.T, s server.Store)
}{
	{"TaskDescriptions", testTaskDescriptions},
	{"FindLogsByUUID", testFindLogs},
	{"Bundles", testBundles},
	{"BundleLookupAcrossProjects", testBundleScoping},
	{"DataErrorsNameTheData", testDataErrorsNameTheData},
}

func testTaskDescriptions(t *testing.T, s server.Store) {
	ctx := context.Background()
	project(t, s, "p1", "one")
	created, err := s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1", Name: "alpha", Description: "first words"})
	require.NoError(t, err)
	require.True(t, created)
	got, err := s.GetTask(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, "first words", got.Description, "PutTask stores the description of a task it creates")

	_, err = s.PutTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t1", Name: "alpha", InvokeURL: "http://127.0.0.1:1/run"})
	require.NoError(t, err)
	got, err = s.GetTask(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, "first words", got.Description, "PutTask of an existing task keeps its description")

	require.NoError(t, s.DescribeTask(ctx, "p1", "t1", "what alpha does"))
	list, err := s.ListTasks(ctx, "p1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "what alpha does", list[0].Description)
	assert.Equal(t, "http://127.0.0.1:1/run", list[0].InvokeURL, "DescribeTask changes only the description")

	tk, created, err := s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: "p1", UUID: "t2", Name: "beta", Description: "b"})
	require.NoError(t, err)
	require.True(t, created)
	assert.Equal(t, "b", tk.Description)

	assert.ErrorIs(t, s.DescribeTask(ctx, "p1", "missing", "x"), server.ErrNotStored)
	assert.ErrorIs(t, s.DescribeTask(ctx, "p2", "t1", "x"), server.ErrNotStored, "another project's task")
}

func testFindLogs(t *testing.T, s server.Store) {
	ctx := context.Background()
	putLog(t, s, "p2", "beta", "r1", at(1))
	putLog(t, s, "p1", "beta", "r1", at(2))
	putLog(t, s, "p1", "alpha", "r1", at(3))
	putLog(t, s, "p1", "alpha", "r2", at(4))

	all, err := s.FindLogs(ctx, "", "r1", 0)
	require.NoError(t, err)
	require.Len(t, all, 3)
	var places []string
	for _, e := range all {
		places = append(places, e.ProjectUUID+"/"+e.TaskName)
	}
	assert.Equal(t, []string{"p1/alpha", "p1/beta", "p2/beta"}, places, "ordered by project uuid, then task name")
	assert.JSONEq(t, string(record("alpha", "r1", "first")), string(all[0].Record))
	assert.Equal(t, "name-p1", all[0].ProjectName, "entries carry their project's name")

	inP1, err := s.FindLogs(ctx, "p1", "r1", 0)
	require.NoError(t, err)
	assert.Len(t, inP1, 2)

	limited, err := s.FindLogs(ctx, "", "r1", 2)
	require.NoError(t, err)
	assert.Len(t, limited, 2, "limit bounds the answer")

	none, err := s.FindLogs(ctx, "", "missing", 0)
	require.NoError(t, err)
	assert.NotNil(t, none)
	assert.Empty(t, none)
	none, err = s.FindLogs(ctx, "p3", "r2", 0)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func testBundles(t *testing.T, s server.Store) {
	ctx := context.Background()
	_, err := s.GetBundle(ctx, "p1", "t1")
	require.ErrorIs(t, err, server.ErrNotStored)
	require.ErrorIs(t, s.UploadBundle(ctx, "p1", "t1", []byte("zip"), at(1)), server.ErrNotStored, "an upload needs a publish first")

	meta := []byte(`{"handler":"alpha","sourceCode":"export const alpha = 1"}`)
	require.NoError(t, s.PublishBundle(ctx, server.Bundle{ProjectUUID: "p1", TaskUUID: "t1", Metadata: meta, PublishedAt: at(1)}))
	b, err := s.GetBundle(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.JSONEq(t, string(meta), string(b.Metadata))
	assert.Nil(t, b.Data, "no bytes before the upload")
	assert.True(t, b.UploadedAt.IsZero())
	assert.True(t, b.PublishedAt.Equal(at(1)), "PublishedAt kept: got %v", b.PublishedAt)

	data := []byte{0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x00}
	require.NoError(t, s.UploadBundle(ctx, "p1", "t1", data, at(2)))
	b, err = s.GetBundle(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, data, b.Data, "the bytes come back as uploaded")
	assert.True(t, b.UploadedAt.Equal(at(2)), "UploadedAt kept: got %v", b.UploadedAt)

	b.Data[0] = 'X'
	again, err := s.GetBundle(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.Equal(t, data, again.Data, "GetBundle returns a copy")

	require.NoError(t, s.UploadBundle(ctx, "p1", "t1", []byte{}, at(3)))
	b, err = s.GetBundle(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.NotNil(t, b.Data, "an empty upload is an uploaded bundle")
	assert.Empty(t, b.Data)

	meta2 := []byte(`{"handler":"alpha2"}`)
	require.NoError(t, s.PublishBundle(ctx, server.Bundle{ProjectUUID: "p1", TaskUUID: "t1", Metadata: meta2}))
	b, err = s.GetBundle(ctx, "p1", "t1")
	require.NoError(t, err)
	assert.JSONEq(t, string(meta2), string(b.Metadata), "a publish replaces the metadata")
	assert.Nil(t, b.Data, "a publish forgets the previous upload")
	assert.False(t, b.PublishedAt.IsZero(), "a zero PublishedAt is set")
	assert.WithinDuration(t, time.Now(), b.PublishedAt, time.Hour)
}

func testBundleScoping(t *testing.T, s server.Store) {
	ctx := context.Background()
	require.NoError(t, s.PublishBundle(ctx, server.Bundle{ProjectUUID: "p1", TaskUUID: "t1", Metadata: []byte(`{"n":1}`), PublishedAt: at(1)}))
	b, err := s.GetBundle(ctx, "", "t1")
	require.NoError(t, err, "one project has it: found without a project")
	assert.Equal(t, "p1", b.ProjectUUID)
	assert.Equal(t, "t1", b.TaskUUID)

	require.NoError(t, s.PublishBundle(ctx, server.Bundle{ProjectUUID: "p2", TaskUUID: "t1", Metadata: []byte(`{"n":2}`), PublishedAt: at(2)}))
	_, err = s.GetBundle(ctx, "", "t1")
	require.ErrorIs(t, err, server.ErrAmbiguous)
	b, err = s.GetBundle(ctx, "p2", "t1")
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":2}`, string(b.Metadata))
	_, err = s.GetBundle(ctx, "p3", "t1")
	assert.ErrorIs(t, err, server.ErrNotStored)
}

// testDataErrorsNameTheData checks that errors about the data, which the
// server answers to clients, say what is wrong and nothing of the store
// (no package or operation names).
func testDataErrorsNameTheData(t *testing.T, s server.Store) {
	ctx := context.Background()
	_, err := s.GetProject(ctx, "p9")
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `project "p9": not found`, err.Error())

	_, err = s.GetTask(ctx, "p9", "t9")
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `task "t9" in project "p9": not found`, err.Error())

	_, err = s.GetLog(ctx, server.LogKey{ProjectUUID: "p9", TaskName: "alpha", UUID: "r9"})
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `record "r9" of task "alpha": not found`, err.Error())

	putLog(t, s, "p1", "alpha", "r1", at(1))
	putLog(t, s, "p2", "alpha", "r1", at(2))
	_, err = s.GetLog(ctx, server.LogKey{TaskName: "alpha", UUID: "r1"})
	require.ErrorIs(t, err, server.ErrAmbiguous)
	assert.Equal(t, `record "r1" of task "alpha": ambiguous: record exists in several projects`, err.Error())
	err = s.SetQuality(ctx, server.LogKey{ProjectUUID: "p1", TaskName: "alpha", UUID: "r9"}, []byte(`{}`))
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `record "r9" of task "alpha": not found`, err.Error())

	err = s.UploadBundle(ctx, "p1", "t9", []byte("zip"), at(3))
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `task "t9" of project "p1" has not been published: not found`, err.Error())
	_, err = s.GetBundle(ctx, "", "t9")
	require.ErrorIs(t, err, server.ErrNotStored)
	assert.Equal(t, `no published bundle for task "t9": not found`, err.Error())

	project(t, s, "p3", "three")
	task(t, s, "p3", "t1", "alpha")
	_, _, err = s.EnsureTask(ctx, server.RegisteredTask{ProjectUUID: "p3", UUID: "t1", Name: "beta"})
	require.ErrorIs(t, err, server.ErrConflict)
	assert.Equal(t, `task uuid "t1" is used by task "alpha": conflict`, err.Error())
}
