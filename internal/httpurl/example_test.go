package httpurl_test

import (
	"fmt"

	"github.com/hivetrace/hivetrace/internal/httpurl"
)

func ExampleBase() {
	base, err := httpurl.Base("http://127.0.0.1:16686/")
	fmt.Println(base+"/api/v3/traces/4bf92f3577b34da6a3ce929d0e0e4736", err)

	_, err = httpurl.Base("http://127.0.0.1:16686/?tenant=a")
	fmt.Println(err)
	// Output:
	// http://127.0.0.1:16686/api/v3/traces/4bf92f3577b34da6a3ce929d0e0e4736 <nil>
	// invalid URL: "http://127.0.0.1:16686/?tenant=a" must not carry a query or fragment
}

func ExampleParse() {
	u, err := httpurl.Parse("https://tasks.example.com/invoke?task=report")
	fmt.Println(u.Host, err)

	_, err = httpurl.Parse("ftp://tasks.example.com")
	fmt.Println(err)
	// Output:
	// tasks.example.com <nil>
	// invalid URL: "ftp://tasks.example.com" is not an absolute http or https URL
}
