package features
import ("testing";"path/filepath";"github.com/flowmeter/flowmeter/reader")
func TestDbgLdap(t *testing.T){
	c:=corpusRoot(t)
	r,_:=reader.Open(filepath.Join(c,"zeek/testing/btest/Traces/ldap/missing_ldap_logs.pcapng"))
	for i:=0;;i++{ pk,err:=r.Next(); if err!=nil{break}
		if i==238 { t.Logf("% x", pk.Data[:40])}
	}
}
