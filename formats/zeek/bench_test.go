package zeek

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

// genTSV makes an in-memory conn.log with n records, shaped like real ones.
func genTSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-01-01-00-00-00\n")
	b.WriteString("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tcommunity_id\n")
	b.WriteString("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\n")
	for i := 0; i < n; i++ {
		b.WriteString(strconv.Itoa(1700000000+i) + "." + strconv.Itoa(100000+i%900000))
		b.WriteString("\tC" + strconv.Itoa(1000000+i) + "abcdefghijk\t192.168." + strconv.Itoa(i%256) + "." + strconv.Itoa(i/256%256))
		b.WriteString("\t" + strconv.Itoa(1024+i%60000) + "\t2001:db8::" + strconv.FormatInt(int64(i%65536), 16) + "\t443\ttcp\tssl\t")
		b.WriteString("0.0" + strconv.Itoa(10000+i%90000) + "\t517\t4321\tSF\tT\tF\t0\tShADadFf\t12\t1200\t10\t5000\t(empty)\t1:LQU9qZlK+B5F3KDmev6m5PMibrg=\n")
	}
	b.WriteString("#close\t2024-01-01-00-00-01\n")
	return b.Bytes()
}

func BenchmarkZeekTSV(b *testing.B) {
	const n = 20000
	data := genTSV(n)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuNanos()
	var c Conn
	recs := 0
	for i := 0; i < b.N; i++ {
		rd, _ := NewTSVReader(bytes.NewReader(data), TSVOptions{})
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			FillConn(rec, &c)
			recs++
		}
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuNanos() - cpu0; cpu > 0 {
		b.ReportMetric(float64(recs)/(float64(cpu)/1e9), "records/cpu-s")
	}
}

func genJSON(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(`{"ts":` + strconv.Itoa(1700000000+i) + "." + strconv.Itoa(100000+i%900000) + `,"uid":"C` + strconv.Itoa(1000000+i) + `abcdefghijk","id.orig_h":"192.168.` + strconv.Itoa(i%256) + "." + strconv.Itoa(i/256%256) +
			`","id.orig_p":` + strconv.Itoa(1024+i%60000) + `,"id.resp_h":"2001:db8::1","id.resp_p":443,"proto":"tcp","service":"ssl","duration":0.0` + strconv.Itoa(10000+i%90000) +
			`,"orig_bytes":517,"resp_bytes":4321,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":12,"orig_ip_bytes":1200,"resp_pkts":10,"resp_ip_bytes":5000,"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg="}` + "\n")
	}
	return b.Bytes()
}

func BenchmarkZeekJSON(b *testing.B) {
	const n = 20000
	data := genJSON(n)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	cpu0 := cpuNanos()
	var c Conn
	recs := 0
	for i := 0; i < b.N; i++ {
		rd, _ := NewJSONReader(bytes.NewReader(data))
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			rec.Conn(&c)
			recs++
		}
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuNanos() - cpu0; cpu > 0 {
		b.ReportMetric(float64(recs)/(float64(cpu)/1e9), "records/cpu-s")
	}
}

func BenchmarkZeekTSVWrite(b *testing.B) {
	data := genTSV(20000)
	extra := []Column{{"flowmeter_pkts", "count"}, {"flowmeter_iat_mean", "interval"}}
	b.ReportAllocs()
	recs := 0
	ev := [][]byte{[]byte("22"), []byte("0.001234")}
	b.ResetTimer()
	cpu0 := cpuNanos()
	for i := 0; i < b.N; i++ {
		rd, _ := NewTSVReader(bytes.NewReader(data), TSVOptions{NoValidate: true})
		w := NewWriter(io.Discard, nil, extra)
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			w.Write(rec, ev)
			recs++
		}
		w.Close()
	}
	b.ReportMetric(float64(recs)/b.Elapsed().Seconds(), "records/s")
	if cpu := cpuNanos() - cpu0; cpu > 0 {
		b.ReportMetric(float64(recs)/(float64(cpu)/1e9), "records/cpu-s")
	}
}
