{{/*
Kubernetes quantities as the API server holds them. Helm has no quantity type and its floats
round, so amounts are compared here as decimal digit strings, exactly.
*/}}

{{/*
The value the API server validates for an amount of requests or limits that matches the
chart's quantity pattern, as "<digits>e<exponent>": the digits without leading or trailing zeros
("0e0" for zero). As the API server does, it caps amounts with a binary suffix (Ki to Ei) at
2^63-1, and rounds up to a whole number of milli units (its defaults round resource lists so).
Usage: include "glance.quantity.decimal" "1.5Gi"
*/}}
{{- define "glance.quantity.decimal" -}}
{{- $parts := "^[+]?([0-9]*)[.]?([0-9]*)(.*)$" -}}
{{- $text := toString . -}}
{{- $fraction := regexReplaceAll $parts $text "${2}" -}}
{{- $suffix := regexReplaceAll $parts $text "${3}" -}}
{{- $digits := regexReplaceAll "^0+" (printf "%s%s" (regexReplaceAll $parts $text "${1}") $fraction) "" -}}
{{- $exponent := sub 0 (len $fraction) -}}
{{- $decimal := dict "n" -9 "u" -6 "m" -3 "" 0 "k" 3 "M" 6 "G" 9 "T" 12 "P" 15 "E" 18 -}}
{{- $binary := dict "Ki" 1 "Mi" 2 "Gi" 3 "Ti" 4 "Pi" 5 "Ei" 6 -}}
{{- if hasKey $decimal $suffix -}}
{{- $exponent = add $exponent (get $decimal $suffix) -}}
{{- else if not (hasKey $binary $suffix) -}}
{{- $exponent = add $exponent (atoi (substr 1 -1 $suffix)) -}}
{{- end -}}
{{- /* A binary suffix multiplies by 1024 once per step, digit by digit with a carry. */ -}}
{{- range until (int (get $binary $suffix | default 0)) -}}
{{- $carry := 0 -}}
{{- $product := "" -}}
{{- range $digit := reverse (splitList "" $digits) -}}
{{- $step := add (mul (atoi $digit) 1024) $carry -}}
{{- $product = printf "%d%s" (mod $step 10) $product -}}
{{- $carry = div $step 10 -}}
{{- end -}}
{{- $digits = ternary (printf "%d%s" $carry $product) $product (gt $carry 0) -}}
{{- end -}}
{{- $zeros := regexFind "0*$" $digits -}}
{{- $digits = trimSuffix $zeros $digits -}}
{{- $exponent = add $exponent (len $zeros) -}}
{{- if not $digits -}}
0e0
{{- else -}}
{{- /* Round up to a multiple of 1m (10^-3): keep the digits down to 1m and add one. */ -}}
{{- if lt $exponent -3 -}}
{{- $kept := int (add (len $digits) $exponent 3) -}}
{{- if lt $kept 1 -}}
{{- $digits = "1" -}}
{{- else -}}
{{- $digits = substr 0 $kept $digits -}}
{{- $nines := regexFind "9*$" $digits -}}
{{- $head := trimSuffix $nines $digits -}}
{{- if $head -}}
{{- $last := int (sub (len $head) 1) -}}
{{- $head = printf "%s%d" (substr 0 $last $head) (add1 (atoi (substr $last -1 $head))) -}}
{{- else -}}
{{- $head = "1" -}}
{{- end -}}
{{- $digits = printf "%s%s" $head (repeat (len $nines) "0") -}}
{{- end -}}
{{- $zeros = regexFind "0*$" $digits -}}
{{- $digits = trimSuffix $zeros $digits -}}
{{- $exponent = add -3 (len $zeros) -}}
{{- end -}}
{{- $max := "9223372036854775807" -}}
{{- $magnitude := add (len $digits) $exponent -}}
{{- if and (hasKey $binary $suffix) (or (gt $magnitude 19) (and (eq $magnitude 19) (gt $digits $max))) -}}
{{- $digits = $max -}}
{{- $exponent = 0 -}}
{{- end -}}
{{- printf "%se%d" $digits $exponent -}}
{{- end -}}
{{- end -}}

{{/*
A key that orders quantities as the API server compares them: compare two keys as strings.
Usage: include "glance.quantity.orderKey" (include "glance.quantity.decimal" "1.5Gi")
*/}}
{{- define "glance.quantity.orderKey" -}}
{{- $digits := regexReplaceAll "e.*$" . "" -}}
{{- if eq $digits "0" -}}
0
{{- else -}}
{{- /* The position of the first digit (at least -2 after the rounding to 1m), then the digits. */ -}}
{{- printf "%012d%s" (add (len $digits) (atoi (regexReplaceAll "^.*e" . "")) 100) $digits -}}
{{- end -}}
{{- end -}}

{{/*
The smallest whole number at or above a decimal of glance.quantity.decimal, as digits.
Usage: include "glance.quantity.ceiling" (include "glance.quantity.decimal" "1.5Gi")
*/}}
{{- define "glance.quantity.ceiling" -}}
{{- $digits := regexReplaceAll "e.*$" . "" -}}
{{- $exponent := atoi (regexReplaceAll "^.*e" . "") -}}
{{- if ge $exponent 0 -}}
{{- printf "%s%s" $digits (repeat $exponent "0") -}}
{{- else -}}
{{- $whole := int (add (len $digits) $exponent) -}}
{{- add1 (ternary (substr 0 $whole $digits) "0" (gt $whole 0) | atoi) -}}
{{- end -}}
{{- end -}}
