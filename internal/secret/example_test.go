package secret_test

import (
	"fmt"

	"github.com/hivetrace/hivetrace/internal/secret"
)

func ExampleValue() {
	creds := struct {
		Key, Secret secret.Value
	}{secret.NewKey("hk_live_0123456789"), secret.New("s3cr3t")}
	fmt.Printf("%+v\n", creds)
	fmt.Println(creds.Secret.Reveal())
	// Output:
	// {Key:hk_l… Secret:[redacted]}
	// s3cr3t
}
