# tls-certs.sh - sourced by the TLS tests: make the test certificates with
# openssl in the current directory.
#
#   tls_certs DAYS   ca.crt/ca.key (a CA), other.crt/other.key (a second CA
#                    that signed nothing of the server's), srv.crt/srv.key
#                    (CN localhost, subjectAltName localhost and 127.0.0.1,
#                    signed by the CA, valid DAYS days), cli.crt/cli.key (a
#                    client certificate signed by the CA); openssl's output
#                    goes to openssl.log. Non-zero when openssl failed.

# Run openssl with its chatter in openssl.log.
tls_gen() { openssl "$@" >>openssl.log 2>&1; }

tls_certs() {
	tls_gen req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
	    -days 3650 -subj "/CN=mcpdb test CA" &&
	tls_gen req -x509 -newkey rsa:2048 -nodes -keyout other.key \
	    -out other.crt -days 3650 -subj "/CN=some other CA" &&
	tls_gen req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
	    -subj "/CN=localhost" &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext.cnf &&
	tls_gen x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	    -out srv.crt -days "$1" -extfile ext.cnf &&
	tls_gen req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr \
	    -subj "/CN=mcpdb client" &&
	tls_gen x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
	    -out cli.crt -days "$1"
}
