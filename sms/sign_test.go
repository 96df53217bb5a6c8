package sms

import (
	"net/url"
	"testing"
)

// The published examples: each provider's documentation signs a fixed
// request with made-up keys and prints the result.
func TestAliyunSignature_Published(t *testing.T) {
	t.Run("SendSms", func(t *testing.T) {
		p := url.Values{}
		for k, v := range map[string]string{
			"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
			"PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
			"SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
			"SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": `{"customer":"test"}`,
			"Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
		} {
			p.Set(k, v)
		}
		wantQuery := "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou" +
			"&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1" +
			"&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007" +
			"&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
		if got := AliyunQuery(p); got != wantQuery {
			t.Fatalf("query\n got %s\nwant %s", got, wantQuery)
		}
		if got := AliyunSignature("GET", p, "testSecret"); got != "zJDF+Lrzhj/ThnlvIToysFRq6t4=" {
			t.Fatalf("signature %s", got)
		}
		// A Signature already present is neither signed nor sorted in.
		p.Set("Signature", "zJDF+Lrzhj/ThnlvIToysFRq6t4=")
		if got := AliyunSignature("GET", p, "testSecret"); got != "zJDF+Lrzhj/ThnlvIToysFRq6t4=" {
			t.Fatalf("signature with Signature present %s", got)
		}
		if got := AliyunQuery(p); got != wantQuery+"&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D" {
			t.Fatalf("query with signature %s", got)
		}
	})
	t.Run("DescribeRegions", func(t *testing.T) {
		p := url.Values{}
		for k, v := range map[string]string{
			"Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
			"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0", "Version": "2014-05-26",
			"Timestamp": "2016-02-23T12:46:24Z",
		} {
			p.Set(k, v)
		}
		if got := AliyunSignature("GET", p, "testsecret"); got != "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
			t.Fatalf("signature %s", got)
		}
	})
}

func TestAliyunEncode(t *testing.T) {
	for in, want := range map[string]string{"a b": "a%20b", "*": "%2A", "~-_.": "~-_.", "/=&+": "%2F%3D%26%2B", "派": "%E6%B4%BE"} {
		if got := AliyunEncode(in); got != want {
			t.Errorf("AliyunEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTencentAuthorization_Published(t *testing.T) {
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	got := TencentAuthorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******", "Gu5t9xGARNpq86cd98joQYCN3*******", "cvm",
		"cvm.tencentcloudapi.com", 1551113065, []byte(payload))
	want := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host, Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
	if got != want {
		t.Fatalf("authorization\n got %s\nwant %s", got, want)
	}
}

func TestTemplateParamJSON(t *testing.T) {
	got := TemplateParamJSON([]Param{{"number", "安化-2021-000007"}, {"code", `a"b`}, {"amp", "<&>"}})
	want := `{"number":"安化-2021-000007","code":"a\"b","amp":"\u003c\u0026\u003e"}`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
	if got := TemplateParamJSON(nil); got != "{}" {
		t.Fatalf("empty %s", got)
	}
}
