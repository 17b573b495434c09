package recordfmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hivetrace/hivetrace/otelrecord"
)

// WriteRecordJSON writes rec as indented JSON followed by a newline.
func WriteRecordJSON(w io.Writer, rec *otelrecord.ExecutionRecord) error {
	if rec == nil {
		return errors.New("recordfmt: nil record")
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("recordfmt: encode record: %w", err)
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("recordfmt: write record: %w", err)
	}
	return nil
}
